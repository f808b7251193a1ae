"""Write a referral package to a folder, and verify one.

A package is a folder of files: the PDF, the ring's picture, the evidence as JSON and
as CSV tables, and two integrity files: ``SHA256SUMS`` (one ``<sha256>  <name>`` line
per file, sorted, the format ``sha256sum -c`` reads) and ``manifest.json`` (the same
list with sizes, the lead, the evidence version and the package hash, which is the
SHA-256 of ``SHA256SUMS``). :func:`verify` fails on any changed, missing or added file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from fraudrings.referral.fonts import Font
from fraudrings.referral.model import FUND_ZH, FUNDS, Evidence, canonical_json

FORMAT: Final[str] = "fraudrings-referral/1"
MANIFEST: Final[str] = "manifest.json"
SUMS: Final[str] = "SHA256SUMS"
INTEGRITY_FILES: Final[frozenset[str]] = frozenset({MANIFEST, SUMS})
PDF_NAME: Final[str] = "referral.pdf"
PNG_NAME: Final[str] = "ring.png"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _csv(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    # a BOM so that spreadsheet programs read the Chinese text as UTF-8
    return buf.getvalue().encode("utf-8-sig")


def tables(ev: Evidence) -> dict[str, bytes]:
    """Everything the PDF shows, as CSV files."""
    parties = {p.key: p for p in ev.parties}
    out: dict[str, bytes] = {}
    out["case.csv"] = _csv(
        ["field", "value"],
        [
            ["lead_id", ev.lead.lead_id],
            ["typology", ev.lead.typology],
            ["typology_zh", ev.lead.typology_zh],
            ["region", ev.lead.region],
            ["province", ev.jurisdiction.province],
            ["province_name", ev.jurisdiction.name],
            ["first_seen", ev.lead.first_seen],
            ["last_seen", ev.lead.last_seen],
            ["score", ev.lead.score],
            ["amount_at_risk", f"{ev.lead.amount_at_risk:.2f}"],
            ["case_amount", f"{ev.case_amount:.2f}"],
            ["total_fraud_amount", f"{ev.total_fraud_amount:.2f}"],
            ["related_settlements", ev.related.settlements],
            ["related_medfee", f"{ev.related.medfee:.2f}"],
            ["related_fund", f"{ev.related.fund:.2f}"],
            *[[f"total_{f}", f"{getattr(ev.totals, f):.2f}"] for f in FUNDS],
            ["rule", ev.rule],
            ["evidence_version", ev.evidence_version],
            *[["reason", r.get("text", "")] for r in ev.lead.reasons],
        ],
    )
    out["parties.csv"] = _csv(
        [
            "key",
            "kind",
            "id",
            "role",
            "role_zh",
            "lead_roles",
            "name",
            "certno",
            "tel",
            "addr",
            "region",
            "gend",
            "brdy",
            "detail",
        ],
        [
            [
                p.key,
                p.kind,
                p.id,
                p.role,
                p.role_zh,
                ";".join(p.lead_roles),
                p.name,
                p.certno,
                p.tel,
                p.addr,
                p.region,
                p.gend,
                p.brdy,
                p.detail,
            ]
            for p in ev.parties
        ],
    )
    out["amounts.csv"] = _csv(
        [
            "party",
            "role",
            "rule",
            *[f"{f} ({FUND_ZH[f]})" for f in FUNDS],
            "fraud_amount",
            "drug_trade_value",
            "highest_line",
            "lines_crossed",
            "workings",
            "basis",
        ],
        [
            [
                a.party,
                parties[a.party].role,
                a.rule,
                *[f"{getattr(a.funds, f):.2f}" for f in FUNDS],
                f"{a.fraud_amount:.2f}",
                f"{a.drug_trade_value:.2f}",
                a.highest,
                ";".join(f"{c.tier}>={c.figure:.2f}" for c in a.crossed),
                " | ".join(a.workings),
                ";".join(a.basis),
            ]
            for a in ev.amounts
        ],
    )
    j = ev.jurisdiction
    out["legal_basis.csv"] = _csv(
        ["key", "figure", "article", "text"],
        [
            [
                "relatively_large",
                f"{j.relatively_large:.2f}",
                ev.provisions["fraud"]["article"],
                "",
            ],
            ["huge", f"{j.huge:.2f}", ev.provisions["fraud"]["article"], ""],
            ["especially_huge", f"{j.especially_huge:.2f}", ev.provisions["fraud"]["article"], ""],
            ["drug_trade", f"{j.drug_trade:.2f}", ev.provisions["drug_trade"]["article"], ""],
            *[[f"provision:{k}", "", v["article"], v["text"]] for k, v in ev.provisions.items()],
        ],
    )
    out["settlements.csv"] = _csv(
        [
            "setl_id",
            "psn_no",
            "fixmedins_code",
            "fixmedins_name",
            "med_type",
            "begntime",
            "endtime",
            "setl_time",
            "medfee_sumamt",
            "fund_pay_sumamt",
            "hifp_pay",
            "hifmi_pay",
            "maf_pay",
            "acct_pay",
            "psn_cash_pay",
            "dise_codg",
            "dr_codg",
            "refund",
        ],
        [
            [
                s.setl_id,
                s.psn_no,
                s.fixmedins_code,
                s.fixmedins_name,
                s.med_type,
                s.begntime,
                s.endtime,
                s.setl_time,
                f"{s.medfee_sumamt:.2f}",
                f"{s.fund_pay_sumamt:.2f}",
                f"{s.hifp_pay:.2f}",
                f"{s.hifmi_pay:.2f}",
                f"{s.maf_pay:.2f}",
                f"{s.acct_pay:.2f}",
                f"{s.psn_cash_pay:.2f}",
                s.dise_codg,
                s.dr_codg,
                int(s.refund),
            ]
            for s in ev.settlements
        ],
    )
    out["fee_lines.csv"] = _csv(
        [
            "feedetl_sn",
            "setl_id",
            "psn_no",
            "time",
            "med_list_codg",
            "drug_name",
            "cnt",
            "pric",
            "amount",
            "dr",
            "drug_trac_codg",
        ],
        [
            [
                ln.feedetl_sn,
                ln.setl_id,
                ln.psn_no,
                ln.time,
                ln.med_list_codg,
                ln.drug_name,
                f"{ln.cnt:g}",
                f"{ln.pric:.2f}",
                f"{ln.amount:.2f}",
                ln.dr,
                ";".join(ln.codes),
            ]
            for ln in ev.lines
        ],
    )
    out["box_events.csv"] = _csv(
        [
            "drug_trac_codg",
            "event_id",
            "event_type",
            "event_time",
            "from_kind",
            "from_code",
            "to_kind",
            "to_code",
            "setl_id",
        ],
        [
            [
                e.code,
                e.event_id,
                e.event_type,
                e.event_time,
                e.from_kind,
                e.from_code,
                e.to_kind,
                e.to_code,
                e.setl_id,
            ]
            for e in ev.box_events
        ],
    )
    out["timeline.csv"] = _csv(
        ["time", "kind", "ref", "parties", "text"],
        [[t.time, t.kind, t.ref, ";".join(t.parties), t.text] for t in ev.timeline],
    )
    out["links.csv"] = _csv(
        ["a", "b", "label", "count"], [[lk.a, lk.b, lk.label, lk.count] for lk in ev.links]
    )
    out["evidence_items.csv"] = _csv(["n", "item"], enumerate(ev.lead.evidence, 1))
    return out


def files_of(ev: Evidence, font: Font) -> dict[str, bytes]:
    """Every file of the package but the two integrity files, by name."""
    from fraudrings.referral import render

    files = {"evidence.json": canonical_json(ev.model_dump(mode="json"))}
    files.update(tables(ev))
    png = render.ring_png(ev, font)
    files[PNG_NAME] = png
    listed = sorted([*files, PDF_NAME, MANIFEST, SUMS])
    files[PDF_NAME] = render.pdf(ev, png, font, listed)
    return dict(sorted(files.items()))


def sums_text(hashes: dict[str, str]) -> bytes:
    return "".join(f"{h}  {n}\n" for n, h in sorted(hashes.items())).encode("utf-8")


def manifest_of(ev_lead_id: str, evidence_version: str, files: dict[str, bytes]) -> dict[str, Any]:
    hashes = {n: sha256(b) for n, b in files.items()}
    return {
        "format": FORMAT,
        "lead_id": ev_lead_id,
        "evidence_version": evidence_version,
        "files": [{"name": n, "sha256": hashes[n], "bytes": len(files[n])} for n in sorted(files)],
        "package_hash": sha256(sums_text(hashes)),
    }


class PackageExists(FileExistsError):
    pass


def write(ev: Evidence, out: Path, font: Font) -> dict[str, Any]:
    """Write the package into ``out`` (new or empty); return its manifest."""
    if out.exists() and any(out.iterdir()):
        raise PackageExists(f"{out} is not empty; a package goes into a new or empty folder")
    files = files_of(ev, font)
    man = manifest_of(ev.lead.lead_id, ev.evidence_version, files)
    out.mkdir(parents=True, exist_ok=True)
    for n, b in files.items():
        (out / n).write_bytes(b)
    (out / SUMS).write_bytes(sums_text({f["name"]: f["sha256"] for f in man["files"]}))
    (out / MANIFEST).write_bytes(canonical_json(man))
    return man


@dataclass
class Verification:
    ok: bool
    package_hash: str | None = None
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.ok:
            return f"OK: every file matches the manifest; package hash {self.package_hash}"
        out = ["FAILED:"]
        out += [f"  changed: {n}" for n in self.changed]
        out += [f"  missing: {n}" for n in self.missing]
        out += [f"  added: {n}" for n in self.added]
        out += [f"  {p}" for p in self.problems]
        return "\n".join(out)


def _listing(folder: Path) -> list[str]:
    out = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() or p.is_symlink():
            out.append(p.relative_to(folder).as_posix())
    return out


def verify(folder: Path, expected_hash: str | None = None) -> Verification:
    v = Verification(ok=False)
    if not folder.is_dir():
        v.problems.append(f"{folder} is not a folder")
        return v
    try:
        man = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        listed = {str(f["name"]): str(f["sha256"]) for f in man["files"]}
        v.package_hash = str(man["package_hash"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if not (folder / MANIFEST).exists():
            v.missing.append(MANIFEST)
        v.problems.append(f"{MANIFEST} cannot be read: {exc}")
        return v
    present = set(_listing(folder)) - INTEGRITY_FILES
    v.missing = sorted(set(listed) - present)
    v.added = sorted(present - set(listed))
    for n in sorted(set(listed) & present):
        p = folder / n
        if p.is_symlink() or sha256(p.read_bytes()) != listed[n]:
            v.changed.append(n)
    sums = sums_text(listed)
    if sha256(sums) != v.package_hash:
        v.problems.append("the manifest's package hash does not match its file list")
    try:
        if (folder / SUMS).read_bytes() != sums:
            v.changed.append(SUMS)
    except OSError:
        v.missing.append(SUMS)
    if expected_hash is not None and expected_hash != v.package_hash:
        v.problems.append(f"package hash {v.package_hash} is not the expected {expected_hash}")
    v.ok = not (v.changed or v.missing or v.added or v.problems)
    return v
