"""Robustness sweep: the detectors against drops whose rings vary over the declared space.

For each seed it generates a synthetic drop (``--persons``, ``--rings`` rings per
typology, each ring drawing its own parameters from ``fraudrings/synth/variation.py``,
``--fix typology.param=value`` pinning some), loads it into an emptied Neo4j, runs every
detector, exports the leads and evaluates them. Then, per typology, it bins the rings by
the two parameters ``variation.CELLS`` declares (fixed bin edges) and reports per cell:
rings, rings found, ring recall and the member precision of the leads matched to the
cell's rings (a lead matches a ring when it holds at least half of its members, as in
``graph/evaluate.py``); and per typology the look-alike members flagged, overall and per
look-alike pattern. Seeds are added up cell by cell.

The Neo4j is the one the settings name (``NEO4J_URI``, or the local server of
``NEO4J_INSTANCE`` on ``NEO4J_BOLT_PORT``/``NEO4J_HTTP_PORT``; the password from ``.env``);
a local one is started with ``fraudrings neo4j start`` unless ``--no-start``. The graph is
emptied before every drop: do not point it at a database you need.

Results: bench/results/robustness.json, robustness.md (tables) and robustness.png
(a heatmap of recall per cell per typology; cells missing a target are marked).

    NEO4J_INSTANCE=sweep NEO4J_BOLT_PORT=37687 NEO4J_HTTP_PORT=37474 \\
        .venv/bin/python -m bench.robustness --persons 20000 --seeds 1,2,3 --rings 24
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fraudrings.graph.evaluate import (  # noqa: E402
    cell_meets_targets,
    combine_cells,
    evaluate,
    evaluate_cells,
    lookalikes_by_pattern,
)
from fraudrings.synth import generate, variation  # noqa: E402

OUT = ROOT / "bench" / "results"
FR = [sys.executable, "-m", "fraudrings.cli"]
# the sweep's targets (stricter than the everyday evaluation's)
TARGETS = {"ring_recall": 0.95, "member_precision": 0.95, "lookalikes_flagged": 0.01}
AXES = {typ: [(ax.param, ax.edges) for ax in axes] for typ, axes in variation.CELLS.items()}


def relabel(cells: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The bins labelled as the space declares them (integer bins by their values)."""
    for typ, c in cells.items():
        labels = [ax.labels() for ax in variation.CELLS[typ]]
        for a, lab in zip(c["axes"], labels, strict=True):
            a["labels"] = lab
        for x in c["cells"]:
            x["labels"] = [lab[b] for lab, b in zip(labels, x["bin"], strict=True)]
    return cells


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def fr(*args: str) -> list[str]:
    """A fraudrings command line: the console script beside this Python, else the module."""
    exe = Path(sys.executable).with_name("fraudrings")
    return [str(exe), *args] if exe.exists() else [*FR, *args]


def run(what: str, *args: str) -> float:
    """Run ``fraudrings ARGS`` (its output shown as it comes); seconds taken."""
    t = time.perf_counter()
    log(f"  {what}: fraudrings {' '.join(shlex.quote(a) for a in args)}")
    proc = subprocess.run(fr(*args), cwd=ROOT, env=os.environ.copy(), check=False)
    secs = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(f"{what} failed with exit code {proc.returncode}")
    log(f"  {what} done in {secs:.1f}s")
    return secs


def code_state() -> dict[str, Any]:
    """The commit checked out and whether the detectors' code differs from it (the numbers
    belong to the detectors as they were when they ran)."""

    def git(*a: str) -> str:
        r = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=False)
        return r.stdout.strip() if r.returncode == 0 else ""

    changed = git("status", "--porcelain", "--", "graph", "queries")
    return {"commit": git("rev-parse", "--short", "HEAD"), "detector_code_changed": bool(changed)}


def trial(
    seed: int, persons: int, rings: int, fixed: dict[str, Any], drops: Path, initial: bool
) -> dict[str, Any]:
    drop = drops / f"drop-{persons}-{seed}-r{rings}"
    times: dict[str, float] = {}
    t = time.perf_counter()
    last = [-1]

    def progress(stage: str, done: int, total: int) -> None:
        pct = int(100 * done / max(1, total))
        if stage == "activity" and pct // 10 != last[0]:
            last[0] = pct // 10
            log(f"  generating: {pct}%")

    log(f"seed {seed}: generating {persons:,} persons, {rings} rings per typology -> {drop}")
    truth_path = generate(
        drop,
        persons,
        seed,
        progress=progress,
        variation=fixed or None,
        rings_per_typology=rings,
    )
    times["generate"] = round(time.perf_counter() - t, 1)
    log(f"  generated in {times['generate']}s")
    load = ["ingest", str(drop), "--report", f"{drop}.report.json"]
    if initial:  # the offline importer replaces the whole database
        times["reset"] = 0.0
        load += ["--initial", "--yes"]
    else:
        times["reset"] = round(run("empty the graph", "db", "reset", "--yes"), 1)
    times["ingest"] = round(run("load", *load), 1)
    code = code_state()
    times["detect"] = round(run("detect", "detect"), 1)
    leads_path = drop.parent / f"{drop.name}.leads.json"
    times["export"] = round(run("export", "leads", "export", "--out", str(leads_path)), 1)
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    leads = json.loads(leads_path.read_text(encoding="utf-8"))
    overall = evaluate(truth, leads)
    cells = relabel(evaluate_cells(truth, leads, AXES))
    patterns = lookalikes_by_pattern(truth, leads)
    for typ in variation.TYPOLOGIES:
        r = overall.get(typ)
        if r:
            log(
                f"  {typ:<22} rings {r['rings']:>3} found {r['found']:>3} "
                f"precision {r['member_precision']} look-alikes flagged "
                f"{r['lookalikes_flagged']}/{r['lookalike_members']}"
            )
    return {
        "seed": seed,
        "drop": str(drop),
        "code": code,
        "seconds": times,
        "rows": truth["rows"],
        "overall": overall,
        "cells": cells,
        "lookalike_patterns": patterns,
        "ring_params": [
            {"ring_id": r["ring_id"], "typology": r["typology"], "params": r["params"]}
            for r in truth["rings"]
        ],
        "leads": len(leads),
    }


def add_overall(trials: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    keys = ("rings", "found", "leads", "lead_members", "lookalike_members", "lookalikes_flagged")
    for tr in trials:
        for typ, r in tr["overall"].items():
            o = out.setdefault(typ, dict.fromkeys(keys, 0) | {"correct_members": 0.0})
            for k in keys:
                o[k] += r[k]
            if r["member_precision"] is not None:
                o["correct_members"] += r["member_precision"] * r["lead_members"]
    for o in out.values():
        o["correct_members"] = round(o["correct_members"])
        o["ring_recall"] = round(o["found"] / o["rings"], 4) if o["rings"] else None
        lm = o["lead_members"]
        o["member_precision"] = round(o["correct_members"] / lm, 4) if lm else None
        la = o["lookalike_members"]
        o["lookalike_rate"] = round(o["lookalikes_flagged"] / la, 4) if la else None
        o["meets_targets"] = meets(o)
    return out


def meets(o: dict[str, Any]) -> bool:
    ok = o["ring_recall"] is None or o["ring_recall"] >= TARGETS["ring_recall"]
    if o["member_precision"] is not None:
        ok = ok and o["member_precision"] >= TARGETS["member_precision"]
    if o["lookalike_rate"] is not None:
        ok = ok and o["lookalike_rate"] <= TARGETS["lookalikes_flagged"]
    return bool(ok)


def add_patterns(trials: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, int]]]:
    out: dict[str, dict[str, dict[str, int]]] = {}
    for tr in trials:
        for typ, pats in tr["lookalike_patterns"].items():
            for pat, v in pats.items():
                o = out.setdefault(typ, {}).setdefault(pat, {"members": 0, "flagged": 0})
                o["members"] += v["members"]
                o["flagged"] += v["flagged"]
    return out


# ------------------------------------------------------------------------------ reports
def fmt(v: float | None, pct: bool = False) -> str:
    if v is None:
        return "–"
    return f"{100 * v:.1f}%" if pct else f"{v:.2f}"


def markdown(res: dict[str, Any]) -> str:
    lines = [
        "# Robustness sweep",
        "",
        f"`{res['command']}` — {res['date']}; {res['persons']:,} persons, seeds "
        f"{', '.join(map(str, res['seeds']))}, {res['rings']} rings per typology per drop"
        + (f", pinned: {json.dumps(res['fixed'], ensure_ascii=False)}" if res["fixed"] else "")
        + ".",
        "",
        f"Targets: ring recall ≥ {TARGETS['ring_recall']}, member precision ≥ "
        f"{TARGETS['member_precision']}, look-alike members flagged ≤ "
        f"{100 * TARGETS['lookalikes_flagged']:g}%. ✗ marks a cell or typology missing one.",
        "",
        "## Per typology (all seeds)",
        "",
        "| typology | rings | found | recall | lead members | precision | look-alike members"
        " | flagged | rate | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for typ in variation.TYPOLOGIES:
        o = res["overall"].get(typ)
        if not o:
            continue
        lines.append(
            f"| {typ} | {o['rings']} | {o['found']} | {fmt(o['ring_recall'])} | "
            f"{o['lead_members']} | {fmt(o['member_precision'])} | {o['lookalike_members']} | "
            f"{o['lookalikes_flagged']} | {fmt(o['lookalike_rate'], True)} | "
            f"{'✓' if o['meets_targets'] else '✗'} |"
        )
    lines += ["", "## Per cell", ""]
    lines.append(
        "Each cell: rings found / rings (recall), and the member precision P of the leads "
        "matched to them."
    )
    for typ in variation.TYPOLOGIES:
        c = res["cells"].get(typ)
        if not c:
            continue
        a0, a1 = c["axes"]
        lines += ["", f"### {typ}", ""]
        lines.append(f"| {a0['param']} \\ {a1['param']} | " + " | ".join(a1["labels"]) + " |")
        lines.append("|---|" + "---|" * len(a1["labels"]))
        grid = {tuple(x["bin"]): x for x in c["cells"]}
        for i, lab in enumerate(a0["labels"]):
            row = []
            for j in range(len(a1["labels"])):
                x = grid[(i, j)]
                if not x["rings"]:
                    row.append("–")
                    continue
                ok = cell_meets_targets(x, TARGETS)
                row.append(
                    f"{x['found']}/{x['rings']} ({fmt(x['ring_recall'])}), "
                    f"P {fmt(x['member_precision'])}{'' if ok else ' ✗'}"
                )
            lines.append(f"| {lab} | " + " | ".join(row) + " |")
        pats = res["lookalike_patterns"].get(typ, {})
        if pats:
            lines.append("")
            lines.append(
                "Look-alikes: "
                + "; ".join(f"{p} {v['flagged']}/{v['members']}" for p, v in sorted(pats.items()))
            )
    secs = res["seconds"]
    code = res.get("code", {})
    lines += [
        "",
        "## Time per drop (seconds), and the code that detected",
        "",
        "| seed | generate | empty | load | detect | export | commit |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s, t in secs.items():
        c = code.get(s, {})
        at = c.get("commit", "?") + (
            " + uncommitted detector changes" if c.get("detector_code_changed") else ""
        )
        lines.append(
            f"| {s} | {t['generate']} | {t['reset']} | {t['ingest']} | {t['detect']} | "
            f"{t['export']} | {at} |"
        )
    return "\n".join(lines) + "\n"


def plot(res: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    typs = [t for t in variation.TYPOLOGIES if t in res["cells"]]
    n = len(typs) + 1
    cols = 4
    rows = (n + cols - 1) // cols
    fig, axs = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.4 * rows))
    flat = list(axs.flat)
    cmap = plt.get_cmap("RdYlGn").with_extremes(bad="#dddddd")
    for ax, typ in zip(flat, typs, strict=False):
        c = res["cells"][typ]
        a0, a1 = c["axes"]
        n0, n1 = len(a0["labels"]), len(a1["labels"])
        grid = {tuple(x["bin"]): x for x in c["cells"]}
        import numpy as np

        z = np.full((n0, n1), np.nan)
        for (i, j), x in grid.items():
            if x["rings"]:
                z[i, j] = x["ring_recall"]
        ax.imshow(np.ma.masked_invalid(z), cmap=cmap, vmin=0, vmax=1, aspect="auto")
        for (i, j), x in grid.items():
            if not x["rings"]:
                ax.text(j, i, "no rings", ha="center", va="center", fontsize=8, color="#777")
                continue
            ok = cell_meets_targets(x, TARGETS)
            txt = f"{x['found']}/{x['rings']}\nP {fmt(x['member_precision'])}"
            ax.text(j, i, txt, ha="center", va="center", fontsize=9)
            if not ok:
                ax.add_patch(
                    Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="black", lw=2.2, ls="--")
                )
                ax.text(j + 0.42, i - 0.36, "✗", ha="right", va="top", fontsize=11, color="black")
        ax.set_xticks(range(n1), a1["labels"])
        ax.set_yticks(range(n0), a0["labels"])
        ax.set_xlabel(a1["param"])
        ax.set_ylabel(a0["param"])
        o = res["overall"].get(typ, {})
        rate = fmt(o.get("lookalike_rate"), True)
        ax.set_title(
            f"{typ}\nrecall {fmt(o.get('ring_recall'))}, precision "
            f"{fmt(o.get('member_precision'))}, look-alikes {rate}",
            fontsize=10,
        )
    # look-alike rates per typology
    ax = flat[len(typs)]
    names = [t for t in typs if res["overall"].get(t, {}).get("lookalike_rate") is not None]
    vals = [100 * res["overall"][t]["lookalike_rate"] for t in names]
    colors = ["#2a9d47" if v <= 100 * TARGETS["lookalikes_flagged"] else "#c0392b" for v in vals]
    ax.barh(range(len(names)), vals, color=colors)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.axvline(100 * TARGETS["lookalikes_flagged"], color="black", ls="--", lw=1)
    ax.set_xlabel("look-alike members flagged (%)")
    ax.invert_yaxis()
    ax.set_title("look-alikes flagged (target ≤ 1%)", fontsize=10)
    for extra in flat[len(typs) + 1 :]:
        extra.axis("off")
    fig.suptitle(
        f"Ring recall per cell ({res['persons']:,} persons, seeds "
        f"{','.join(map(str, res['seeds']))}, {res['rings']} rings/typology; {res['date']}); "
        "dashed ✗ = misses recall ≥ 0.95 or precision ≥ 0.95",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=20000)
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (default 1,2,3)")
    ap.add_argument("--rings", type=int, default=24, help="rings per typology per drop (24)")
    ap.add_argument(
        "--fix",
        action="append",
        default=[],
        metavar="TYPOLOGY.PARAM=VALUE",
        help="pin a variation parameter (repeatable)",
    )
    ap.add_argument("--drops", default=str(ROOT / "data" / "robustness"), help="drop folder")
    ap.add_argument("--out", default=str(OUT), help="results folder (bench/results)")
    ap.add_argument(
        "--load",
        choices=["initial", "online"],
        default=None,
        help="initial: replace the database with each drop through the offline importer "
        "(ingest --initial --yes; a local Neo4j only; the default there); online: db reset "
        "--yes, then ingest (the default for a remote Neo4j)",
    )
    ap.add_argument("--no-start", action="store_true", help="do not start the local Neo4j")
    ap.add_argument(
        "--replot",
        metavar="JSON",
        help="only redraw robustness.md and .png (in --out) from a robustness.json",
    )
    args = ap.parse_args(argv)
    if args.replot:
        res0: dict[str, Any] = json.loads(Path(args.replot).read_text(encoding="utf-8"))
        res0["cells"] = relabel(res0["cells"])
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "robustness.md").write_text(markdown(res0), encoding="utf-8")
        plot(res0, Path(args.out) / "robustness.png")
        return 0
    try:
        fixed = variation.check(variation.parse_fix(args.fix))
    except ValueError as exc:
        ap.error(str(exc))
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    drops = Path(args.drops)
    drops.mkdir(parents=True, exist_ok=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = os.environ
    log(
        f"Neo4j instance {env.get('NEO4J_INSTANCE', 'main')}, bolt port "
        f"{env.get('NEO4J_BOLT_PORT', '7687')} (NEO4J_URI {env.get('NEO4J_URI') or 'derived'})"
    )
    from fraudrings.core.settings import get_settings

    local = get_settings().is_local_uri
    load = args.load or ("initial" if local else "online")
    log(f"each drop loaded {'through the offline importer' if load == 'initial' else 'online'}")
    if local and not args.no_start:
        run("start Neo4j", "neo4j", "start")
    t0 = time.perf_counter()
    trials = []
    for k, seed in enumerate(seeds):
        log(f"trial {k + 1}/{len(seeds)}")
        trials.append(trial(seed, args.persons, args.rings, fixed, drops, load == "initial"))
    cmd = "python -m bench.robustness " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    res: dict[str, Any] = {
        "command": cmd.strip(),
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "neo4j_instance": env.get("NEO4J_INSTANCE", "main"),
        "load": load,
        "persons": args.persons,
        "seeds": seeds,
        "rings": args.rings,
        "fixed": fixed,
        "targets": TARGETS,
        "axes": {t: [{"param": p, "edges": list(e)} for p, e in a] for t, a in AXES.items()},
        "overall": add_overall(trials),
        "cells": relabel(combine_cells([t["cells"] for t in trials])),
        "lookalike_patterns": add_patterns(trials),
        "seconds": {str(t["seed"]): t["seconds"] for t in trials},
        "code": {str(t["seed"]): t["code"] for t in trials},
        "total_seconds": round(time.perf_counter() - t0, 1),
        "trials": trials,
    }
    (out / "robustness.json").write_text(
        json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (out / "robustness.md").write_text(markdown(res), encoding="utf-8")
    plot(res, out / "robustness.png")
    log(f"done in {res['total_seconds']}s: {out / 'robustness.md'}, robustness.json, .png")
    print(markdown(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
