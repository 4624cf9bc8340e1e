"""Every ```python block of docs/python.md runs, in order, in one namespace.

The blocks run with ``exec`` in a fresh temporary directory, sharing one namespace as if
they were one script: ``__name__`` is ``"__main__"``, so a block guarded by
``if __name__ == "__main__":`` (needed by scripts that start worker processes) runs too.
"""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "python.md"

# A fence opening with exactly ```python, its body, and the closing fence.
BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[str]:
    return [m.group(1) for m in BLOCK.finditer(text)]


def test_extraction_finds_only_python_blocks():
    text = "```sh\npip install x\n```\n\n```python\na = 1\n```\n\n```pycon\n>>> 2\n```\n"
    assert python_blocks(text) == ["a = 1\n"]


def test_every_python_block_of_the_guide_runs(tmp_path, monkeypatch):
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 8, f"found only {len(blocks)} ```python blocks in {DOC}"
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    for number, source in enumerate(blocks, start=1):
        first_line = next((line for line in source.splitlines() if line.strip()), "")
        code = compile(source, f"{DOC.name}, block {number}", "exec")
        try:
            exec(code, namespace)
        except Exception as error:
            raise AssertionError(
                f"block {number} of {DOC.name} ({first_line!r}) raised "
                f"{type(error).__name__}: {error}"
            ) from error
