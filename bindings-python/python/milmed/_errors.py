"""Exceptions of the milmed module.

Plain Python classes, so that they pickle across processes (Dask workers) with their
attributes; the Rust extension raises them.
"""

from __future__ import annotations

from typing import List, Tuple, Union

__all__ = ["BudgetExceeded", "ScenarioError"]


class ScenarioError(ValueError):
    """A scenario could not be read or breaks one or more rules.

    ``issues`` lists every problem as a ``(path, message)`` pair: ``path`` is the JSON
    path of the offending value (``fronts[1].nationalities.AUS``; ``.`` for the whole
    document), ``message`` says what is wrong and what is allowed.
    """

    message: str
    issues: List[Tuple[str, str]]

    def __init__(self, message: str, issues: List[Tuple[str, str]]) -> None:
        super().__init__(message, issues)
        self.message = message
        self.issues = [(str(path), str(text)) for path, text in issues]

    def __str__(self) -> str:
        return self.message


class BudgetExceeded(RuntimeError):
    """A limit of a :class:`milmed.Budget` stopped the run.

    ``resource`` is ``"patients"``, ``"bytes"``, ``"wall_time"``, ``"cpu_time"`` or
    ``"memory"``; ``limit`` and ``used`` are in seconds for the two times, in patients or
    bytes otherwise. ``patients_written`` patients were produced before the stop.
    """

    resource: str
    limit: Union[int, float]
    used: Union[int, float]
    patients_written: int

    def __init__(
        self,
        resource: str,
        limit: Union[int, float],
        used: Union[int, float],
        patients_written: int,
    ) -> None:
        super().__init__(resource, limit, used, patients_written)
        self.resource = resource
        self.limit = limit
        self.used = used
        self.patients_written = patients_written

    @property
    def unit(self) -> str:
        """The unit of ``limit`` and ``used``: ``patients``, ``bytes`` or ``seconds``."""
        if self.resource in ("wall_time", "cpu_time"):
            return "seconds"
        if self.resource == "patients":
            return "patients"
        return "bytes"

    def __str__(self) -> str:
        return (
            f"budget exceeded: {self.resource} limit {self.limit} {self.unit}, "
            f"used {self.used} {self.unit}; {self.patients_written} patients written"
        )
