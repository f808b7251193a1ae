"""The graph model's vocabulary: the one allow-list of labels and relationship types.

Values always travel as ``$params``; labels and relationship types cannot be
parameters in Cypher, so any code that must put one into query text takes it from
here through :func:`label` or :func:`rel_type`, which refuse anything else.
"""

from __future__ import annotations

from typing import Final

# Node labels -> their key property.
NODE_KEYS: Final[dict[str, str]] = {
    "Person": "psn_no",
    "Institution": "fixmedins_code",
    "Practitioner": "prac_code",
    "Supplier": "entp_code",
    "Drug": "med_list_codg",
    "Box": "drug_trac_codg",
    "Settlement": "setl_id",
    "FeeLine": "feedetl_sn",
    "BoxEvent": "event_id",
    "Phone": "tel",
    "Address": "addr",
    "Terminal": "terminal_id",
    "Lead": "lead_id",
    "LeadChange": "change_id",  # one workflow step of a lead (the API's history)
    "Referral": "referral_id",  # a referral package handed to public security
    "LeadsGeneration": "name",  # one node; its token changes with every write to leads
    "DataGeneration": "name",  # one node; its token changes before and after every ingest
}

# Extra labels that refine a node (never carry their own key).
SUB_LABELS: Final[frozenset[str]] = frozenset(
    {
        "Hospital",  # Institution, fixmedins_type 1
        "Pharmacy",  # Institution, fixmedins_type 2
        "OnlinePlatform",  # Institution, online = 1
        "Inpatient",  # Settlement, med_type 21
        "Refund",  # Settlement or FeeLine that reverses another
        "Purchase",
        "Sale",
        "Return",
        "SupplierReturn",
        "Transfer",
        "Recall",
        "Unregistered",  # a party known only from a foreign key
    }
)

LABELS: Final[frozenset[str]] = frozenset(NODE_KEYS) | SUB_LABELS

REL_TYPES: Final[frozenset[str]] = frozenset(
    {
        "SETTLED",  # (Person)-[:SETTLED]->(Settlement)
        "AT",  # (Settlement)-[:AT]->(Institution)
        "TREATED_BY",  # (Settlement)-[:TREATED_BY]->(Practitioner)
        "HAS_LINE",  # (Settlement)-[:HAS_LINE]->(FeeLine)
        "FOR_DRUG",  # (FeeLine|Box)-[:FOR_DRUG]->(Drug)
        "PRESCRIBED_BY",  # (FeeLine)-[:PRESCRIBED_BY]->(Practitioner)
        "DISPENSED",  # (FeeLine)-[:DISPENSED]->(Box)
        "REVERSES",  # (Settlement|FeeLine)-[:REVERSES]->(Settlement|FeeLine)
        "WORKS_AT",  # (Practitioner)-[:WORKS_AT]->(Institution)
        "HAS_EVENT",  # (Box)-[:HAS_EVENT]->(BoxEvent)
        "FROM",  # (BoxEvent)-[:FROM]->(Supplier|Institution|Person)
        "TO",  # (BoxEvent)-[:TO]->(Supplier|Institution|Person)
        "FOR_SETTLEMENT",  # (BoxEvent:Sale)-[:FOR_SETTLEMENT]->(Settlement)
        "NEXT",  # (BoxEvent)-[:NEXT]->(BoxEvent), a box's events in time order
        "HAS_PHONE",  # (Person)-[:HAS_PHONE]->(Phone)
        "LIVES_AT",  # (Person)-[:LIVES_AT]->(Address)
        "VIA_TERMINAL",  # (Settlement)-[:VIA_TERMINAL]->(Terminal)
        "INVOLVES",  # (Lead)-[:INVOLVES {role}]->(member)
        "HAS_CHANGE",  # (Lead)-[:HAS_CHANGE]->(LeadChange), the workflow history
        "REFERRED_AS",  # (Lead)-[:REFERRED_AS]->(Referral), its referral packages
    }
)

EVENT_LABELS: Final[dict[str, str]] = {
    "purchase": "Purchase",
    "sale": "Sale",
    "return": "Return",
    "supplier_return": "SupplierReturn",
    "transfer": "Transfer",
    "recall": "Recall",
}


def label(name: str) -> str:
    """Return ``name`` if it is an allowed node label, else raise ``ValueError``."""
    if name not in LABELS:
        raise ValueError(f"label {name!r} is not in the allow-list")
    return name


def rel_type(name: str) -> str:
    """Return ``name`` if it is an allowed relationship type, else raise ``ValueError``."""
    if name not in REL_TYPES:
        raise ValueError(f"relationship type {name!r} is not in the allow-list")
    return name


def key_of(node_label: str) -> str:
    """The key property of a keyed label."""
    return NODE_KEYS[label(node_label)]
