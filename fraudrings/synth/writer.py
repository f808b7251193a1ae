"""Streaming table writers (CSV, CSV.gz, Parquet) that also inject dirty and duplicate rows.

A dirty row is an *extra* row: a copy of a clean row just written, given a fresh key where
the file has one, and then broken in exactly one way (or, for reason ``multiple``, in two
ways of different reasons). The clean rows of a drop therefore stay consistent with each
other; every dirty row should end up in quarantine.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

Row = list[str]
Breaker = Callable[[Row, random.Random], None]

COLUMNS: dict[str, list[str]] = {
    "persons": [
        "psn_no",
        "psn_name",
        "gend",
        "brdy",
        "certno",
        "tel",
        "addr",
        "insutype",
        "insu_admdvs",
        "psn_flags",
        "death_date",
    ],
    "institutions": [
        "fixmedins_code",
        "fixmedins_name",
        "fixmedins_type",
        "hosp_lv",
        "ownership",
        "admdvs",
        "lat",
        "lon",
        "chain_code",
        "online",
    ],
    "practitioners": ["prac_code", "prac_name", "prac_type", "fixmedins_code"],
    "suppliers": ["entp_code", "entp_name", "entp_type", "admdvs"],
    "drugs": [
        "med_list_codg",
        "list_name",
        "list_type",
        "pric_ref",
        "daily_units",
        "key_monitored",
    ],
    "settlements": [
        "setl_id",
        "mdtrt_id",
        "psn_no",
        "fixmedins_code",
        "mdtrtarea_admvs",
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
        "mdtrt_cert_type",
        "terminal_id",
        "refd_setl_flag",
        "refd_setl_id",
    ],
    "fee_details": [
        "feedetl_sn",
        "setl_id",
        "psn_no",
        "fee_ocur_time",
        "med_list_codg",
        "cnt",
        "pric",
        "det_item_fee_sumamt",
        "bilg_dr_codg",
        "rxno",
        "prd_days",
        "drug_trac_codg",
        "init_feedetl_sn",
    ],
    "trace_events": [
        "drug_trac_codg",
        "med_list_codg",
        "event_type",
        "event_time",
        "from_code",
        "to_code",
        "setl_id",
        "manu_lotnum",
    ],
}

REASONS = ("missing_key", "bad_date", "negative_value", "bad_code", "bad_number")

_BAD_DATES = ("2025-02-30", "2025-13-04", "2024-11-31", "2025-00-12", "2025-06-32")
_BAD_TIMES = ("25:10:00", "10:61:07", "24:30:15")
_BAD_NUMBERS = ("1O5.20", "¥86.50", "12.3.4", "--", "7,80", "三十")


def _bad_date(rng: random.Random) -> str:
    return rng.choice(_BAD_DATES)


def _bad_time(rng: random.Random, good: str) -> str:
    if rng.random() < 0.5 or len(good) < 19:
        return rng.choice(_BAD_DATES) + " 09:12:33"
    return good[:10] + " " + rng.choice(_BAD_TIMES)


def _neg(v: str) -> str:
    return v if v.startswith("-") or v == "" else "-" + v


class DirtySpec:
    """How one file's rows are broken: a breaker per reason, combinations for ``multiple``."""

    def __init__(
        self,
        col: dict[str, int],
        breakers: dict[str, Breaker],
        combos: list[tuple[str, str]],
        rekey: Callable[[Row], None] | None,
        clear: list[str] | None = None,
    ) -> None:
        self.col = col
        self.breakers = breakers
        self.combos = combos
        self.rekey = rekey
        self.clear = [col[c] for c in clear or []]


def dirty_spec(stem: str, rekey: Callable[[Row], None] | None) -> DirtySpec:
    """The ways rows of ``stem`` are broken (only the reasons that apply to the file)."""
    c = {n: i for i, n in enumerate(COLUMNS[stem])}
    b: dict[str, Breaker] = {}
    combos: list[tuple[str, str]] = []
    clear: list[str] = []

    def blank(*names: str) -> Breaker:
        def f(r: Row, rng: random.Random) -> None:
            r[c[rng.choice(names)]] = ""

        return f

    def setv(name: str, values: tuple[str, ...]) -> Breaker:
        def f(r: Row, rng: random.Random) -> None:
            r[c[name]] = rng.choice(values)

        return f

    def bad_time(*names: str) -> Breaker:
        def f(r: Row, rng: random.Random) -> None:
            n = c[rng.choice(names)]
            r[n] = _bad_time(rng, r[n])

        return f

    bad_inst = ("X37010212345", "H3701021234", "370102123456", "HP0123456789", "P37A1021234B")
    if stem == "persons":
        b["missing_key"] = blank("psn_no")

        def pdate(r: Row, rng: random.Random) -> None:
            r[c["brdy"]] = _bad_date(rng)

        b["bad_date"] = pdate
        b["bad_code"] = setv("insu_admdvs", ("37010", "3701000", "SD0100", "37-0100"))
        combos = [("bad_date", "bad_code")]
    elif stem == "institutions":
        b["missing_key"] = blank("fixmedins_code")
        b["bad_code"] = setv("fixmedins_code", bad_inst)
        b["bad_number"] = setv("lat", ("36.6x5", "北纬36", "36,651"))
        combos = [("bad_code", "bad_number")]
    elif stem == "practitioners":
        b["missing_key"] = blank("prac_code")
        b["bad_code"] = setv("fixmedins_code", bad_inst)
    elif stem == "suppliers":
        b["missing_key"] = blank("entp_code")
        b["bad_code"] = setv(
            "entp_code", ("91370100MA3C5X2", "91370100MA3C5X2Y8KZZ", "91370100ma3c5x2y8k")
        )
    elif stem == "drugs":
        b["missing_key"] = blank("med_list_codg")

        def dneg(r: Row, rng: random.Random) -> None:
            r[c["pric_ref"]] = _neg(r[c["pric_ref"]])

        b["negative_value"] = dneg
        b["bad_code"] = setv("list_type", ("medicine", "drugs", "器械"))
        b["bad_number"] = setv("pric_ref", _BAD_NUMBERS)
        combos = [("negative_value", "bad_code")]
    elif stem == "settlements":
        b["missing_key"] = blank("setl_id", "psn_no")
        b["bad_date"] = bad_time("setl_time", "begntime")

        def sneg(r: Row, rng: random.Random) -> None:
            for m in ("medfee_sumamt", "fund_pay_sumamt", "hifp_pay", "acct_pay", "psn_cash_pay"):
                if r[c[m]] not in ("0.00", ""):
                    r[c[m]] = _neg(r[c[m]])
            if all(r[c[m]] in ("0.00", "") for m in ("medfee_sumamt", "psn_cash_pay")):
                r[c["psn_cash_pay"]] = "-0.01"

        b["negative_value"] = sneg
        b["bad_code"] = lambda r, rng: (
            setv("fixmedins_code", bad_inst)(r, rng)
            if rng.random() < 0.5
            else setv("med_type", ("99", "1", "51", "2B"))(r, rng)
        )
        b["bad_number"] = setv("medfee_sumamt", _BAD_NUMBERS)
        combos = [("bad_date", "bad_number"), ("bad_code", "bad_date")]
    elif stem == "fee_details":
        b["missing_key"] = blank("feedetl_sn", "setl_id")
        b["bad_date"] = bad_time("fee_ocur_time")

        def fneg(r: Row, rng: random.Random) -> None:
            if rng.random() < 0.6:
                r[c["cnt"]] = _neg(r[c["cnt"]])
                r[c["det_item_fee_sumamt"]] = _neg(r[c["det_item_fee_sumamt"]])
            else:
                r[c["pric"]] = _neg(r[c["pric"]])
                r[c["det_item_fee_sumamt"]] = _neg(r[c["det_item_fee_sumamt"]])

        b["negative_value"] = fneg
        b["bad_number"] = setv("pric", _BAD_NUMBERS)
        combos = [("bad_date", "negative_value"), ("bad_date", "bad_number")]
        clear = ["drug_trac_codg", "init_feedetl_sn"]
    elif stem == "trace_events":
        b["missing_key"] = blank("drug_trac_codg")
        b["bad_date"] = bad_time("event_time")
        b["bad_code"] = setv("event_type", ("sold", "purchased", "transfer_in", "SALE", "lost"))
        combos = [("bad_date", "bad_code")]
    return DirtySpec(c, b, combos, rekey, clear)


class _Sink:
    def __init__(self, path: Path, columns: list[str], fmt: str) -> None:
        self.fmt = fmt
        self.columns = columns
        self._pq: Any = None
        self._buf: list[Row] = []
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            self._pa = pa
            schema = pa.schema([(n, pa.string()) for n in columns])
            self._pq = pq.ParquetWriter(str(path), schema, compression="snappy")
            self._fh: Any = None
        else:
            raw: Any
            if fmt == "csv.gz":
                self._raw = open(path, "wb")  # noqa: SIM115
                raw = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0)
                self._gz = raw
                self._fh = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            else:
                self._fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            self._w = csv.writer(self._fh, lineterminator="\n")
            self._w.writerow(columns)
            self.writerow = self._w.writerow  # type: ignore[method-assign]

    def writerow(self, row: Row) -> None:  # parquet path
        self._buf.append(row)
        if len(self._buf) >= 65536:
            self._flush()

    def _flush(self) -> None:
        if not self._buf:
            return
        pa = self._pa
        cols = list(zip(*self._buf, strict=True))
        arrays = [pa.array([v if v != "" else None for v in col], pa.string()) for col in cols]
        self._pq.write_table(pa.Table.from_arrays(arrays, names=self.columns))
        self._buf = []

    def close(self) -> None:
        if self._pq is not None:
            self._flush()
            self._pq.close()
        else:
            self._fh.close()
            if self.fmt == "csv.gz":
                self._raw.close()


class TableWriter:
    """Writes one contract file, injecting dirty and duplicate rows at a low rate."""

    def __init__(
        self,
        out_dir: Path,
        stem: str,
        fmt: str,
        seed: int,
        rekey: Callable[[Row], None] | None,
        dirty_rate: float = 3e-4,
        dup_rate: float = 1e-4,
    ) -> None:
        ext = {"csv": ".csv", "csv.gz": ".csv.gz", "parquet": ".parquet"}[fmt]
        self.stem = stem
        self.path = out_dir / (stem + ext)
        self._sink = _Sink(self.path, COLUMNS[stem], fmt)
        self._put = self._sink.writerow
        self.rng = random.Random(f"dirty:{seed}:{stem}")
        self.spec = dirty_spec(stem, rekey)
        self.rows = 0
        self.dirty: dict[str, int] = {}
        self.dirty_rows: list[dict[str, Any]] = []
        self.duplicates = 0
        self.duplicate_rows: list[int] = []
        self._cycle: list[str] = []
        self._cycles = 0
        self._dirty_rate = dirty_rate
        self._dup_rate = dup_rate
        self._n_clean = 0
        self._next_dirty = self._gap(dirty_rate)
        self._next_dup = self._gap(dup_rate)
        self._last: Row | None = None

    def _gap(self, rate: float) -> int:
        return int(self.rng.expovariate(rate)) + 1

    def write(self, row: Row, eligible: bool = True) -> None:
        """Write a clean row; ``eligible`` = it may serve as the template of a dirty row."""
        self._put(row)
        self.rows += 1
        if not eligible:
            return
        self._n_clean += 1
        self._last = row
        if self._n_clean >= self._next_dirty:
            self._next_dirty += self._gap(self._dirty_rate)
            self._inject(row, self._next_reason())
        if self._n_clean >= self._next_dup:
            self._next_dup += self._gap(self._dup_rate)
            self._duplicate(row)

    def _next_reason(self) -> str:
        if not self._cycle:
            self._cycle = list(self.spec.breakers)
            if self.spec.combos and self._cycles % 3 == 0:
                self._cycle.append("multiple")  # a handful: one cycle in three
            self._cycles += 1
            self.rng.shuffle(self._cycle)
        return self._cycle.pop()

    def _duplicate(self, row: Row) -> None:
        self._put(row)
        self.rows += 1
        self.duplicates += 1
        self.duplicate_rows.append(self.rows)

    def _inject(self, template: Row, reason: str) -> None:
        row = list(template)
        if self.spec.rekey is not None:
            self.spec.rekey(row)
        for i in self.spec.clear:
            row[i] = ""
        reasons = list(self.rng.choice(self.spec.combos)) if reason == "multiple" else [reason]
        for r in reasons:
            self.spec.breakers[r](row, self.rng)
        self._put(row)
        self.rows += 1
        self.dirty[reason] = self.dirty.get(reason, 0) + 1
        self.dirty_rows.append({"file": self.stem, "row": self.rows, "reasons": reasons})

    def close(self) -> None:
        """Make sure every applicable reason, ``multiple`` and a duplicate occur at least once."""
        if self._last is not None:
            wanted = list(self.spec.breakers) + (["multiple"] if self.spec.combos else [])
            for reason in wanted:
                if not self.dirty.get(reason):
                    self._inject(self._last, reason)
            if not self.duplicates:
                self._duplicate(self._last)
        self._sink.close()
