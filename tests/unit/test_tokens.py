"""The generation tokens are renewed in one place (graph/tokens.py): every writer wraps
its write, the renewal happens however the write ends, and no other code renews them by
hand."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import fraudrings
from fraudrings.graph.tokens import facts_write, leads_write

ROOT = Path(fraudrings.__file__).resolve().parent


class FakeGateway:
    def __init__(self, fail_bumps: bool = False) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail_bumps = fail_bumps

    def write(self, name: str, params: Any = None, **_: Any) -> dict[str, int]:
        if self.fail_bumps and name.endswith("_bump"):
            raise ConnectionError("server gone")
        self.calls.append((name, params))
        return {}


DATA_WRITING = ("data_generation_bump", {"writing": True})
DATA_DONE = ("data_generation_bump", {"writing": False})
LEADS = ("leads_generation_bump", None)


def test_a_write_to_the_facts_renews_both_tokens_around_it() -> None:
    gw = FakeGateway()
    with facts_write(gw):  # type: ignore[arg-type]
        gw.write("ingest_persons", {"rows": []})
    assert gw.calls == [DATA_WRITING, ("ingest_persons", {"rows": []}), LEADS, DATA_DONE]


def test_a_failed_write_renews_them_too_and_its_own_error_is_raised() -> None:
    gw = FakeGateway()
    with pytest.raises(KeyError), facts_write(gw):  # type: ignore[arg-type]
        raise KeyError("bad row")
    assert gw.calls == [DATA_WRITING, LEADS, DATA_DONE]
    gone = FakeGateway()
    with pytest.raises(KeyError), facts_write(gone, announce=False):  # type: ignore[arg-type]
        gone.fail_bumps = True
        raise KeyError("bad row")  # not the ConnectionError of the renewal


def test_the_offline_import_announces_nothing_before() -> None:
    gw = FakeGateway()
    with facts_write(gw, announce=False):  # type: ignore[arg-type]
        pass
    assert gw.calls == [LEADS, DATA_DONE]


def test_a_write_to_leads_renews_the_leads_generation_after_it() -> None:
    gw = FakeGateway()
    with leads_write(gw):  # type: ignore[arg-type]
        gw.write("leads_upsert", {"rows": []})
    assert gw.calls == [("leads_upsert", {"rows": []}), LEADS]
    with pytest.raises(RuntimeError), leads_write(gw):  # type: ignore[arg-type]
        raise RuntimeError("half written")
    assert gw.calls[-1] == LEADS


def _renewals(path: Path, root: Path = ROOT) -> list[str]:
    """Calls of the renewals, and the bump queries named, in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name in ("bump_data", "bump_generation"):
                found.append(f"{path.relative_to(root)}:{node.lineno} {name}()")
        if isinstance(node, ast.Constant) and node.value in (
            "data_generation_bump",
            "leads_generation_bump",
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno} {node.value}")
    return found


def test_no_writer_renews_a_token_by_hand() -> None:
    found = [hit for p in sorted(ROOT.rglob("*.py")) for hit in _renewals(p)]
    outside = [h for h in found if not h.startswith("graph/tokens.py:")]
    # emptying the graph renews the data generation only: the leads go with everything
    assert outside == [next(h for h in found if h.startswith("graph/schema.py:"))]
    assert [h.split()[-1] for h in found if h.startswith("graph/tokens.py:")].count(
        "bump_generation()"
    ) == 4


def test_the_scan_sees_a_renewal_by_hand(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f(gw):\n    gw.write('leads_generation_bump')\n    bump_data(gw)\n")
    assert sorted(_renewals(probe, tmp_path)) == [
        "probe.py:2 leads_generation_bump",
        "probe.py:3 bump_data()",
    ]
