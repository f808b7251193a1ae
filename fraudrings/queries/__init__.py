"""Cypher queries, one file per query, loaded once by name.

Each ``*.cypher`` file in this folder starts with a header of ``//`` comment lines
that say what the query does and which ``$params`` it takes. ``load(name)`` returns
the text; a test runs ``EXPLAIN`` on every one against the real server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    header: str

    @property
    def params(self) -> frozenset[str]:
        return frozenset(_PARAM.findall(_strip_comments(self.text)))

    @property
    def writes(self) -> bool:
        return "mode: write" in self.header


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


def names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.cypher"))


@cache
def load(name: str) -> Query:
    path = HERE / f"{name}.cypher"
    if not path.is_file():
        raise KeyError(f"no query named {name!r} in {HERE}")
    text = path.read_text(encoding="utf-8")
    header_lines = []
    for line in text.splitlines():
        if line.startswith("//"):
            header_lines.append(line[2:].strip())
        else:
            break
    if not header_lines:
        raise ValueError(f"query {name!r} has no header comment")
    return Query(name=name, text=text.strip(), header="\n".join(header_lines))
