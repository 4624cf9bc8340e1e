"""Exceptions of the milmed module.

Plain Python classes, so that they pickle across processes (Dask workers) with their
attributes; the Rust extension raises them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional, Tuple, Union

if TYPE_CHECKING:  # pragma: no cover
    # Private names: these packages are optional, and not imported at runtime.
    import pandas as _pandas
    import polars as _polars
    import pyarrow as _pyarrow

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

    ``partial`` holds the rows made before the stop when a table function stopped, in the
    type that function returns: a ``pyarrow.Table`` (:func:`milmed.to_arrow`), a
    ``pandas.DataFrame`` (:func:`milmed.to_pandas`) or a ``polars.DataFrame``
    (:func:`milmed.to_polars`); for the other functions it is ``None`` (their output
    before the stop has already been handed over). It is an attribute, not an argument:
    it stays out of ``str()`` and ``repr()``, and pickles with the exception.
    """

    resource: str
    limit: Union[int, float]
    used: Union[int, float]
    patients_written: int
    partial: Optional[Union["_pyarrow.Table", "_pandas.DataFrame", "_polars.DataFrame"]]

    def __init__(
        self,
        resource: str,
        limit: Union[int, float],
        used: Union[int, float],
        patients_written: int,
        partial: Any = None,
    ) -> None:
        # Only the four fields are the exception's args: pickling rebuilds it from them and
        # then restores the attributes (``__dict__``), ``partial`` included, so a table of
        # any size is never part of the message.
        super().__init__(resource, limit, used, patients_written)
        self.resource = resource
        self.limit = limit
        self.used = used
        self.patients_written = patients_written
        self.partial = partial

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
