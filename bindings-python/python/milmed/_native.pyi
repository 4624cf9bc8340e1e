"""Type stubs of the Rust extension `milmed._native` (checked by mypy.stubtest)."""

from typing import Any, Callable, Dict, List, Optional, Tuple, final


__all__ = [
    "ArrowTable",
    "Budget",
    "ByteStream",
    "Scenario",
    "__version__",
    "formats",
    "shards",
    "stream",
    "table",
    "write",
]
__version__: str

_Progress = Optional[Callable[[int, int], Any]]

@final
class Scenario:
    def __new__(cls) -> Scenario: ...
    @classmethod
    def preset(cls, name: str) -> Scenario: ...
    @staticmethod
    def presets() -> List[str]: ...
    @classmethod
    def from_json(cls, text: str) -> Scenario: ...
    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> Scenario: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def validate(self) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def patients(self) -> int: ...
    @property
    def days(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...

@final
class Budget:
    def __new__(
        cls,
        *,
        max_patients: Optional[int] = None,
        max_bytes: Optional[int] = None,
        max_seconds: Optional[float] = None,
        max_cpu_seconds: Optional[float] = None,
        max_memory: Optional[int] = None,
    ) -> Budget: ...
    @property
    def max_patients(self) -> Optional[int]: ...
    @property
    def max_bytes(self) -> Optional[int]: ...
    @property
    def max_seconds(self) -> Optional[float]: ...
    @property
    def max_cpu_seconds(self) -> Optional[float]: ...
    @property
    def max_memory(self) -> Optional[int]: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __getnewargs_ex__(self) -> Tuple[Tuple[()], Dict[str, Any]]: ...

@final
class ByteStream:
    def __iter__(self) -> ByteStream: ...
    def __next__(self) -> bytes: ...
    @property
    def total(self) -> int: ...
    def check_process(self) -> None: ...
    def close(self) -> None: ...

@final
class ArrowTable:
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...
    @property
    def num_rows(self) -> int: ...
    @property
    def column_names(self) -> List[str]: ...

def stream(
    scenario: Optional[Scenario] = None,
    *,
    patients: Optional[int] = None,
    seed: int = 0,
    start: int = 0,
    stop: Optional[int] = None,
    threads: Optional[int] = None,
    budget: Optional[Budget] = None,
    format: str = "ndjson",
    batch_size: int = 128,
    progress: _Progress = None,
) -> ByteStream: ...
def write(
    path: str,
    scenario: Optional[Scenario] = None,
    *,
    patients: Optional[int] = None,
    seed: int = 0,
    start: int = 0,
    stop: Optional[int] = None,
    threads: Optional[int] = None,
    budget: Optional[Budget] = None,
    format: str = "ndjson",
    compress: Optional[str] = None,
    password: Optional[str] = None,
    batch_size: int = 128,
    progress: _Progress = None,
) -> Dict[str, Any]: ...
def table(
    scenario: Optional[Scenario] = None,
    *,
    patients: Optional[int] = None,
    seed: int = 0,
    start: int = 0,
    stop: Optional[int] = None,
    threads: Optional[int] = None,
    budget: Optional[Budget] = None,
    table: str = "patients",
    batch_size: int = 1024,
    progress: _Progress = None,
) -> ArrowTable: ...
def shards(patients: int, n: int) -> List[Tuple[int, int]]: ...
def formats() -> List[str]: ...
