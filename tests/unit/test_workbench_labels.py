"""The workbench speaks Chinese: every word of the product's vocabulary and every factor,
member role and evidence kind the detectors emit has a Chinese label in the one mapping
of the page (the ``zh`` table of ``web/app/i18n.js``)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from fraudrings.core import vocabulary as v
from fraudrings.graph.detect import config

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "web" / "app" / "i18n.js"
DETECT = ROOT / "fraudrings" / "graph" / "detect"
CJK = re.compile(r"[\u4e00-\u9fff]")


def zh_labels() -> dict[str, str]:
    text = I18N.read_text(encoding="utf-8")
    block = text.split("const zh = {", 1)[1].split("\n};", 1)[0]
    pairs = re.findall(r'"([A-Za-z_]+\.[A-Za-z_]+)":\s*("(?:[^"\\]|\\.)*")', block)
    return {k: json.loads(s) for k, s in pairs}


def _detector_trees() -> list[ast.Module]:
    return [ast.parse(p.read_text(encoding="utf-8")) for p in sorted(DETECT.glob("*.py"))]


def _keyword_literals(name: str) -> set[str]:
    """Every string literal passed as ``name=`` anywhere in the detectors."""
    found = set()
    for tree in _detector_trees():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.keyword)
                and node.arg == name
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found.add(node.value.value)
    return found


def factor_names() -> set[str]:
    """Named factors: literal ones, and those a detector takes from its weights (a
    ``Reason(factor=k, ..., weight=w[k])`` over a weights table of its config)."""
    names = _keyword_literals("factor")
    for cls in vars(config).values():
        if isinstance(cls, type) and issubclass(cls, config.BaseModel):
            for field, info in cls.model_fields.items():
                if field.endswith("weights") and isinstance(info.default, dict):
                    names |= set(info.default)
    return names


def evidence_kinds() -> set[str]:
    """The ``kind:`` each evidence line starts with (an f-string or literal beginning
    with a lower-case word and a colon, appended to or listed in ``evidence``)."""
    kinds = set()
    for p in sorted(DETECT.glob("*.py")):
        src = p.read_text(encoding="utf-8")
        for m in re.finditer(r"evidence(?:\.append\(|\.insert\([^,]*,|\s*\+?=\s*\[)\s*", src):
            head = re.match(r'f?"([a-z_]+):', src[m.end() :])
            if head:
                kinds.add(head.group(1))
    return kinds


def test_the_scan_finds_what_the_detectors_emit() -> None:
    # the scans above are what the label test relies on: they must find known words
    assert {"ratio", "overlap", "cards", "far_cards", "home_between"} <= factor_names()
    assert {"buyer", "card_lender", "pooling_outlet", "recycler"} <= _keyword_literals("role")
    assert {"settlement", "pattern", "link", "terminal"} <= evidence_kinds()


def test_every_word_shown_in_the_page_has_a_chinese_label() -> None:
    zh = zh_labels()
    wanted = (
        [f"typ.{x}" for x in v.TYPOLOGIES]
        + [f"status.{x}" for x in v.LEAD_STATUSES]
        + [f"action.{x}" for x in v.LEAD_ACTIONS]
        + [f"role.{x}" for x in v.ROLES]
        + [f"kind.{x}" for x in (*v.MEMBER_KINDS, *v.NODE_KINDS.values())]
        + [f"job.{x}" for x in v.JOB_KINDS]
        + [f"job_state.{x}" for x in v.JOB_STATES]
        + [f"factor.{x}" for x in sorted(factor_names())]
        + [f"role_m.{x}" for x in sorted(_keyword_literals("role"))]
        + [f"ev.{x}" for x in sorted(evidence_kinds())]
    )
    missing = [k for k in wanted if k not in zh]
    assert not missing, missing
    not_chinese = [k for k in wanted if not CJK.search(zh[k])]
    assert not not_chinese, not_chinese


def test_the_mapping_is_read_whole() -> None:
    zh = zh_labels()
    assert zh["typ.prescription_buyer"] == "职业开药人"
    assert zh["status.new"] == "新线索"
    assert len(zh) > 200  # the whole table, not its first line
