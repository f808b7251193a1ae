"""What a drop row becomes in the graph, written once.

Per contract file: the node a row registers (label, key, the labels its flags add), the
time values it converts, a list property the row may hold empty, and the relationships
to the nodes its fields name (type, direction, the target's label; the target's key is
the model's). The online loader's ``queries/ingest_<stem>.cypher`` MERGE exactly this
(``tests/unit/test_ingest_mapping.py`` reads the statements and compares), and the
offline initial load (:mod:`fraudrings.ingest.offline`) writes its importer files from it.

What a row adds to the box events (sales and returns from fee lines, every movement of
``trace_events``) is not a node of the row: both loads reconcile it by event
(``ingest_fee_details``/``ingest_trace_events`` and the offline event reducer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from fraudrings.graph.model import NODE_KEYS

# Nodes that are nothing but their key: a row's field names one without making it an
# ``:Unregistered`` placeholder (every other target is one until its own row arrives).
PLAIN_LABELS: Final = ("Phone", "Address", "Terminal")


@dataclass(frozen=True)
class Link:
    """A relationship between the row's node and the node its field ``field`` names
    (none when the field is empty)."""

    rel: str
    field: str
    target: str
    outgoing: bool = True  # (row node)-[rel]->(target); False: (target)-[rel]->(row node)

    @property
    def target_key(self) -> str:
        return NODE_KEYS[self.target]


@dataclass(frozen=True)
class Table:
    stem: str
    label: str
    refining: tuple[tuple[str, str], ...] = ()  # (the row's flag, the label it adds)
    times: Literal["date", "localdatetime", None] = None  # the type of the row's ``t`` values
    time_property: str | None = None  # the property the row's ``time`` (ISO text) sets
    empty_list: str | None = None  # a list property the importer cannot write empty
    links: tuple[Link, ...] = ()

    @property
    def key(self) -> str:
        return NODE_KEYS[self.label]

    @property
    def query(self) -> str:
        return f"ingest_{self.stem}"


TABLES: Final[dict[str, Table]] = {
    t.stem: t
    for t in (
        Table(
            "persons",
            "Person",
            times="date",
            empty_list="psn_flags",
            links=(Link("HAS_PHONE", "tel", "Phone"), Link("LIVES_AT", "addr", "Address")),
        ),
        Table(
            "institutions",
            "Institution",
            refining=(
                ("hospital", "Hospital"),
                ("pharmacy", "Pharmacy"),
                ("online", "OnlinePlatform"),
            ),
        ),
        Table(
            "practitioners",
            "Practitioner",
            links=(Link("WORKS_AT", "fixmedins_code", "Institution"),),
        ),
        Table("suppliers", "Supplier"),
        Table("drugs", "Drug"),
        Table(
            "settlements",
            "Settlement",
            refining=(("inpatient", "Inpatient"), ("refund", "Refund")),
            times="localdatetime",
            links=(
                Link("SETTLED", "psn_no", "Person", outgoing=False),
                Link("AT", "fixmedins_code", "Institution"),
                Link("TREATED_BY", "dr_codg", "Practitioner"),
                Link("VIA_TERMINAL", "terminal_id", "Terminal"),
                Link("REVERSES", "refd_setl_id", "Settlement"),
            ),
        ),
        Table(
            "fee_details",
            "FeeLine",
            time_property="fee_ocur_time",
            empty_list="drug_trac_codg",
            links=(
                Link("HAS_LINE", "setl_id", "Settlement", outgoing=False),
                Link("FOR_DRUG", "med_list_codg", "Drug"),
                Link("PRESCRIBED_BY", "bilg_dr_codg", "Practitioner"),
                Link("REVERSES", "init_feedetl_sn", "FeeLine"),
            ),
        ),
    )
}

# Files whose rows are box events only (no node of their own).
EVENT_TABLES: Final = ("trace_events",)
