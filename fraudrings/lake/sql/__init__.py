"""DuckDB statements of the lake, one file per statement, loaded once by name.

Each ``*.sql`` file starts with a header of ``--`` comment lines that say what it computes,
its ``$params`` (values, bound by DuckDB) and its ``{{slots}}`` (column lists and
expressions that ``fraudrings/lake/contract.py`` derives from the contract, never from
data). ``load(name)`` returns the statement; a test prepares every one against DuckDB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_SLOT = re.compile(r"\{\{([a-z_]+)\}\}")


@dataclass(frozen=True)
class Statement:
    name: str
    text: str
    header: str

    @property
    def body(self) -> str:
        return "\n".join(
            line for line in self.text.splitlines() if not line.lstrip().startswith("--")
        )

    @property
    def params(self) -> frozenset[str]:
        return frozenset(_PARAM.findall(self.body))

    @property
    def slots(self) -> frozenset[str]:
        return frozenset(_SLOT.findall(self.body))

    def fill(self, **slots: str) -> str:
        """The statement with its slots filled (every slot must be given)."""
        missing = self.slots - slots.keys()
        if missing:
            raise KeyError(f"statement {self.name!r} needs slots {sorted(missing)}")
        return _SLOT.sub(lambda m: slots[m.group(1)], self.body)


def names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.sql"))


@cache
def load(name: str) -> Statement:
    path = HERE / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no lake statement named {name!r} in {HERE}")
    text = path.read_text(encoding="utf-8")
    header = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        header.append(line[2:].strip())
    if not header:
        raise ValueError(f"lake statement {name!r} has no header comment")
    return Statement(name=name, text=text.strip(), header="\n".join(header))
