"""No import runs from a lower floor of the package to a higher one.

Floors, top to bottom: the command line; the API and referral; casework (workflow,
credentials, the service store); the graph, ingest, queries and the generator; core
(settings, vocabulary). A module may import its own floor and the floors below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fraudrings

ROOT = Path(fraudrings.__file__).resolve().parent

FLOORS: dict[str, int] = {
    "core": 0,
    "graph": 1,
    "ingest": 1,
    "queries": 1,
    "synth": 1,
    "tlscert": 1,
    "casework": 2,
    "api": 3,
    "referral": 3,
    "cli": 4,
    "__main__": 4,
}


def _area(module: str) -> str | None:
    """``fraudrings.api.routers.leads`` -> ``api``; the package itself -> None."""
    parts = module.split(".")
    if parts[0] != "fraudrings" or len(parts) < 2:
        return None
    return parts[1]


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, here: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in a file, lazy ones inside functions too;
    ``here`` is the file's module name (by default, from its place in the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = here or _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            if mod == "fraudrings":  # from fraudrings import queries
                out += [(node.lineno, f"fraudrings.{a.name}") for a in node.names]
            else:
                out.append((node.lineno, mod))
    return out


def _violations(path: Path, module: str) -> list[str]:
    here = _area(module)
    if here is None:
        return []
    assert here in FLOORS, f"{path}: a new area of the package needs a floor in FLOORS"
    bad = []
    for line, mod in _imports(path, module):
        there = _area(mod)
        if there is None or there == here:
            continue
        assert there in FLOORS, f"{path}:{line}: imports {mod}, an area with no floor"
        if FLOORS[there] > FLOORS[here]:
            bad.append(f"{module}:{line} {here} -> {mod}")
    return bad


def test_no_import_runs_up_a_floor() -> None:
    bad = []
    for path in sorted(ROOT.rglob("*.py")):
        bad += _violations(path, _module_name(path))
    assert bad == []


def test_the_walk_finds_upward_imports_of_every_kind(tmp_path: Path) -> None:
    """Top-level, lazy (inside a function) and relative imports are all seen, so the
    clean answer above means something."""
    f = tmp_path / "probe.py"
    f.write_text(
        "from fraudrings.core.settings import get_settings\n"
        "from fraudrings.casework.store import Store\n"
        "import fraudrings.api.app\n"
        "def handler():\n"
        "    from ..cli import main\n"
        "    from . import gateway\n"
    )
    found = _violations(f, "fraudrings.graph.probe")
    assert found == [
        "fraudrings.graph.probe:2 graph -> fraudrings.casework.store",
        "fraudrings.graph.probe:3 graph -> fraudrings.api.app",
        "fraudrings.graph.probe:5 graph -> fraudrings.cli",
    ]
    assert _violations(f, "fraudrings.cli.probe") == []  # the top floor may import all
