"""The contract's files as SQL: the slots of the lake's statements, per file.

The rules themselves are DuckDB macros (``sql/rules.sql``); this module says which rule
applies to which column, from the one description of the contract,
``fraudrings.ingest.validate.SPECS`` (kinds, required columns, allowed values, patterns,
what may be negative on a reversal). Column names come from the contract or from a
file's header; every name is quoted as an identifier, every value as a literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fraudrings.ingest.validate import (
    MISSING_KEY,
    MISSING_VALUE,
    REGION,
    SPECS,
    Col,
    FileSpec,
)

# The lake's region and month of a row, per table (NULL becomes 'unknown' / 'all'). A
# table without a region of its own takes one from a lookup (see ``joins``).
REGION_OF: dict[str, str] = {
    "persons": "c.v_insu_admdvs",
    "institutions": "c.v_admdvs",
    "practitioners": "ri.region",
    "suppliers": "c.v_admdvs",
    "drugs": "NULL",
    "settlements": "c.v_mdtrtarea_admvs",
    "fee_details": "rs.region",
    "trace_events": "coalesce(rf.region, rt.region)",
}
MONTH_OF: dict[str, str | None] = {
    "settlements": "setl_time",
    "fee_details": "fee_ocur_time",
    "trace_events": "event_time",
}


def _lookup(alias: str, code: str) -> str:
    return f"LEFT JOIN lake_lookup {alias} ON {alias}.code = {code}"


# The kind of code whose region a table's rows take (``regions_lookup.sql``), and how.
LOOKUP_KIND: dict[str, str] = {
    "practitioners": "institution",
    "fee_details": "settlement",
    "trace_events": "institution",
}
JOINS: dict[str, str] = {
    "practitioners": _lookup("ri", "c.v_fixmedins_code"),
    "fee_details": _lookup("rs", "c.v_setl_id"),
    "trace_events": _lookup("rf", "c.v_from_code") + "\n    " + _lookup("rt", "c.v_to_code"),
}

# The parties a file's rows refer to: (kind, column, condition on the row).
_IS = "fr_party_kind({}) = '{}'"
REFS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "practitioners": (("institution", "fixmedins_code", "true"),),
    "settlements": (
        ("person", "psn_no", "true"),
        ("institution", "fixmedins_code", "true"),
        ("practitioner", "dr_codg", "true"),
    ),
    "fee_details": (
        ("settlement", "setl_id", "true"),
        ("person", "psn_no", "true"),
        ("drug", "med_list_codg", "true"),
        ("practitioner", "bilg_dr_codg", "true"),
    ),
    "trace_events": (
        ("drug", "med_list_codg", "true"),
        *(
            (kind.lower(), side, _IS.format(f"c.v_{side}", kind))
            for side in ("from_code", "to_code")
            for kind in ("Person", "Institution", "Supplier")
        ),
    ),
}
# Where each kind of party is registered: (table, key column).
REGISTRIES: dict[str, tuple[str, str]] = {
    "person": ("persons", "psn_no"),
    "institution": ("institutions", "fixmedins_code"),
    "practitioner": ("practitioners", "prac_code"),
    "supplier": ("suppliers", "entp_code"),
    "drug": ("drugs", "med_list_codg"),
    "settlement": ("settlements", "setl_id"),
}
# Regions a later file looks up: (kind, key column, region column).
REGIONS_FROM: dict[str, tuple[str, str, str]] = {
    "institutions": ("institution", "fixmedins_code", "admdvs"),
    "settlements": ("settlement", "setl_id", "mdtrtarea_admvs"),
}


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _re2(pattern: re.Pattern[str]) -> str:
    """Python's ``\\d`` is any Unicode decimal digit; RE2's is ASCII only."""
    return pattern.pattern.replace(r"\d", r"\p{Nd}")


def _values(col: Col) -> str:
    return "[" + ", ".join(literal(v) for v in sorted(col.values)) + "]"


def _may_be_negative(col: Col) -> str:
    if not col.signed:
        return "false"
    if col.kind == "number" and col.name in ("lat", "lon"):
        return "true"
    return "reversal"


def _checks(col: Col) -> list[str]:
    """The fr_check_* calls of one column, in the row validator's order."""
    v, name = f"v_{col.name}", literal(col.name)
    out = []
    if col.required:
        out.append(
            f"fr_check_missing({name}, {v}, "
            f"{literal(MISSING_KEY if col.kind == 'key' else MISSING_VALUE)})"
        )
    k = col.kind
    if k in ("key", "text", "code") and col.pattern is not None:
        pat = col.pattern
        out.append(f"fr_check_pattern({name}, {v}, {literal(_re2(pat))}, {literal(pat.pattern)})")
    elif k == "region":
        assert REGION.pattern == r"\d{6}", "rules.sql's fr_check_region says 6 digits"
        out.append(f"fr_check_region({name}, {v})")
    elif k == "enum":
        out.append(f"fr_check_enum({name}, {v}, {_values(col)})")
    elif k == "date":
        out.append(f"fr_check_date({name}, {v})")
    elif k == "datetime":
        out.append(f"fr_check_datetime({name}, {v})")
    elif k in ("money", "number", "int"):
        rounding = "true" if col.rounding else "false"
        out.append(f"fr_check_number({name}, {v}, {_may_be_negative(col)}, {rounding})")
    elif k == "flags":
        out.append(f"fr_check_flags({name}, {v}, {_values(col)})")
    elif k == "codes":
        assert col.pattern is not None
        out.append(f"fr_check_codes({name}, {v}, {literal(_re2(col.pattern))})")
    return out


_TYPED = {
    "date": "fr_date({})",
    "datetime": "fr_datetime({})",
    "money": "fr_num({})",
    "number": "fr_num({})",
    "int": "fr_num({})",
    "flags": "fr_items({})",
    "codes": "fr_items({})",
}


def _value(col: Col) -> str | None:
    """The typed value of a column that is not text (t_<column>), from its stripped cell."""
    expr = _TYPED.get(col.kind)
    return None if expr is None else f"{expr.format('v_' + col.name)} AS t_{col.name}"


def _ok(col: Col) -> list[str]:
    """Whether a column passes (cheap booleans on v_ and t_), for every row."""
    v, t, k = f"v_{col.name}", f"t_{col.name}", col.kind
    out = [f"{v} IS NOT NULL"] if col.required else []
    if k in ("key", "text", "code") and col.pattern is not None:
        out.append(f"fr_ok_pattern({v}, {literal(_re2(col.pattern))})")
    elif k == "region":
        out.append(f"fr_ok_region({v})")
    elif k == "enum":
        out.append(f"fr_ok_enum({v}, {_values(col)})")
    elif k in ("date", "datetime"):
        out.append(f"fr_ok_typed({v}, {t})")
    elif k in ("money", "number", "int"):
        rounding = "true" if col.rounding else "false"
        out.append(f"fr_ok_number({v}, {t}, {_may_be_negative(col)}, {rounding})")
    elif k == "flags":
        out.append(f"fr_ok_flags({t}, {_values(col)})")
    elif k == "codes":
        assert col.pattern is not None
        out.append(f"fr_ok_codes({t}, {literal(_re2(col.pattern))})")
    return out


def _typed(col: Col) -> str:
    """A column as the lake stores it (money rounded to the cent, as the row loop does)."""
    if col.kind == "money":
        return f"round(c.t_{col.name}, 2) AS {ident(col.name)}"
    if col.kind in _TYPED:
        return f"c.t_{col.name} AS {ident(col.name)}"
    return f"c.v_{col.name} AS {ident(col.name)}"


@dataclass(frozen=True)
class FileSql:
    """The slots of the lake's statements for one file of a drop with a given header."""

    spec: FileSpec
    header: tuple[str, ...]

    @property
    def stem(self) -> str:
        return self.spec.stem

    def raw(self, alias: str = "r") -> list[str]:
        return [f"coalesce({alias}.{ident(h)}, '')" for h in self.header]

    @property
    def content(self) -> str:
        return ", ".join(self.raw())

    @property
    def has_break(self) -> str:
        return " OR ".join(
            f"contains(r.{ident(h)}, chr(10)) OR contains(r.{ident(h)}, chr(13))"
            for h in self.header
        )

    @property
    def stripped(self) -> str:
        present = set(self.header)
        cols = [
            f"fr_strip(r.{ident(c.name)}) AS {ident('v_' + c.name)}"
            if c.name in present
            else f"CAST(NULL AS VARCHAR) AS {ident('v_' + c.name)}"
            for c in self.spec.cols
        ]
        cols += [f"nullif(r.{ident(h)}, '') AS {ident('x_' + h)}" for h in self.extras]
        return ", ".join(cols)

    @property
    def reversal(self) -> str:
        if self.stem == "settlements":
            return "coalesce(v_refd_setl_flag = '1', false)"
        if self.stem == "fee_details":
            return "v_init_feedetl_sn IS NOT NULL"
        return "false"

    @property
    def problem_list(self) -> str:
        return "[" + ", ".join(x for c in self.spec.cols for x in _checks(c)) + "]"

    @property
    def values(self) -> str:
        return ", ".join(x for c in self.spec.cols if (x := _value(c)) is not None) or "0 AS t_"

    @property
    def kept(self) -> str:
        dropped = [f"v_{c.name}" for c in self.spec.cols if c.kind in _TYPED]
        return f"* EXCLUDE ({', '.join(dropped)})" if dropped else "*"

    @property
    def ok(self) -> str:
        return "(" + " AND ".join(x for c in self.spec.cols for x in _ok(c)) + ")"

    @property
    def warned(self) -> str:
        parts = [
            f"fr_rounding_cent(t_{c.name}, {_may_be_negative(c)})"
            for c in self.spec.cols
            if c.rounding
        ]
        return " OR ".join(parts) if parts else "false"

    @property
    def key(self) -> str:
        """One expression: the key's stripped cell, a list of them, or the row id."""
        cols = [f"c.v_{k}" for k in self.spec.key] or ["c._row_md5"]
        return cols[0] if len(cols) == 1 else "[" + ", ".join(cols) + "]"

    @property
    def refs(self) -> str:
        """The parties the accepted rows refer to (see ``REFS``), one SELECT per column."""
        return (
            "\nUNION ALL\n".join(
                f"SELECT DISTINCT {literal(kind)} AS kind, c.v_{col} AS code "
                f"FROM lake_accepted c WHERE {when}"
                for kind, col, when in REFS.get(self.stem, ())
            )
            or "SELECT CAST(NULL AS VARCHAR) AS kind, CAST(NULL AS VARCHAR) AS code WHERE false"
        )

    @property
    def key_detail(self) -> str:
        return (
            " || ', ' || ".join(
                f"{literal(k + '=')} || fr_repr(coalesce(r.{ident(k)}, ''))" for k in self.spec.key
            )
            or "''"
        )

    @property
    def extras(self) -> list[str]:
        """Columns the contract does not name, kept as text (``x_<name>``), as the row
        loop keeps them as properties."""
        return [
            h
            for h in self.header
            if h not in self.spec.names and h.isidentifier() and not h.startswith("_")
        ]

    @property
    def typed(self) -> str:
        cols = [_typed(c) for c in self.spec.cols]
        if self.stem == "fee_details":
            cols.append(
                "coalesce(len(c.t_drug_trac_codg) > 0 AND NOT c.reversal AND "
                "len(c.t_drug_trac_codg) <> abs(c.t_cnt), false) "
                "AS codes_mismatch"
            )
        cols += [f"c.{ident('x_' + h)}" for h in self.extras]
        return ",\n           ".join(cols)

    @property
    def region(self) -> str:
        return f"coalesce({REGION_OF[self.stem]}, 'unknown')"

    @property
    def month(self) -> str:
        col = MONTH_OF.get(self.stem)
        if col is None:
            return "'all'"
        return f"coalesce(strftime(c.t_{col}, '%Y-%m'), 'unknown')"

    @property
    def joins(self) -> str:
        return JOINS.get(self.stem, "")


def file_sql(stem: str, header: tuple[str, ...]) -> FileSql:
    return FileSql(SPECS[stem], header)


def sample_slots(fs: FileSql, lake_dir: str) -> dict[str, str]:
    """Every slot a statement may take, filled for one file (to prepare any statement)."""
    return {
        "columns": "{" + ", ".join(f"{literal(h)}: 'VARCHAR'" for h in fs.header) + "}",
        "stripped": fs.stripped,
        "values": fs.values,
        "content": fs.content,
        "has_break": fs.has_break,
        "reversal": fs.reversal,
        "ok": fs.ok,
        "kept": fs.kept,
        "warned": fs.warned,
        "key": fs.key,
        "problems": fs.problem_list,
        "key_detail": fs.key_detail,
        "raw": ", ".join(fs.raw()),
        "typed": fs.typed,
        "joins": fs.joins,
        "region": fs.region,
        "month": fs.month,
        "dir": literal(lake_dir),
        "code": f"c.v_{fs.spec.key[0] if fs.spec.key else fs.spec.cols[0].name}",
        "refs": fs.refs,
    }
