"""The closed sets are written once (core/vocabulary.py); every place that uses them
derives from there and agrees."""

from __future__ import annotations

import argparse
import sqlite3
import typing

from fraudrings import queries
from fraudrings.api import graphview, masking, schemas
from fraudrings.casework import roles
from fraudrings.casework import workflow as api_workflow
from fraudrings.casework.store import Store
from fraudrings.core import vocabulary as v
from fraudrings.graph import leads, model
from fraudrings.referral.model import TYPOLOGY_ZH


def _choices(parser: argparse.ArgumentParser, *path: str) -> dict[str, typing.Any]:
    """dest -> choices of the subcommand at ``path``."""
    for name in path:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return {a.dest: a.choices for a in parser._actions}


def test_api_literals_are_the_vocabulary() -> None:
    assert typing.get_args(schemas.Typology) == v.TYPOLOGIES
    assert typing.get_args(schemas.Status) == v.LEAD_STATUSES
    assert typing.get_args(schemas.Role) == v.ROLES
    assert typing.get_args(schemas.Kind) == v.MEMBER_KINDS
    fields = schemas.LeadChangePublic.model_fields
    assert typing.get_args(fields["action"].annotation) == v.LEAD_ACTIONS


def test_leads_and_typology_tables_cover_every_typology() -> None:
    assert leads.TYPOLOGIES == v.TYPOLOGIES
    assert leads.STATUSES == v.LEAD_STATUSES
    assert leads.KINDS == v.MEMBER_KINDS
    assert set(v.TYPOLOGY_PREFIX) == set(v.TYPOLOGIES)
    assert len(set(v.TYPOLOGY_PREFIX.values())) == len(v.TYPOLOGIES)
    assert set(TYPOLOGY_ZH) == set(v.TYPOLOGIES)


def test_roles_rank_and_masking() -> None:
    assert [r for r, _ in sorted(roles.ROLE_RANK.items(), key=lambda x: x[1])] == list(
        v.STAFF_ROLES
    )
    # an institution's counter ranks nowhere: below every minimum a route asks
    assert set(v.ROLES) - set(v.STAFF_ROLES) == {v.INSTITUTION, *v.DUTY_ROLES}
    # neither do the three separate duties: no case data by default
    for r in (v.INSTITUTION, *v.DUTY_ROLES):
        assert not any(roles.at_least(r, s) for s in v.STAFF_ROLES), r
        assert masking.needs_mask(r), r
    assert roles.at_least("admin", "supervisor") and not roles.at_least("analyst", "investigator")
    assert {"investigator", "supervisor", "admin"} == masking.UNMASKED_ROLES
    assert masking.needs_mask("analyst")
    assert not any(masking.needs_mask(r) for r in v.STAFF_ROLES[1:])


def test_workflow_moves_only_between_known_statuses() -> None:
    assert set(api_workflow.TRANSITIONS) == set(v.LEAD_STATUSES)
    for src, targets in api_workflow.TRANSITIONS.items():
        assert set(targets) <= set(v.LEAD_STATUSES), src
    for (src, dst), role in api_workflow.NEEDS.items():
        assert dst in api_workflow.TRANSITIONS[src]
        assert role in v.ROLES
    assert v.FIRST_STATUS in v.OPEN_STATUSES
    assert set(v.OPEN_STATUSES) < set(v.LEAD_STATUSES)
    assert v.REFERRED not in v.OPEN_STATUSES


def test_cli_choices_come_from_the_vocabulary() -> None:
    from fraudrings.cli import build_parser

    parser = build_parser()
    assert tuple(_choices(parser, "users")["role"]) == v.ROLES
    help_text = next(
        a.help
        for a in parser._actions
        if isinstance(a, argparse._SubParsersAction)
        for name, p in a.choices.items()
        if name == "leads"
        for a in p._actions
        if a.dest == "status"
    )
    assert help_text is not None
    for s in v.LEAD_STATUSES:
        assert (s in help_text) == (s != v.REFERRED), s


def test_store_check_refuses_a_role_outside_the_vocabulary(tmp_path: typing.Any) -> None:
    store = Store(tmp_path / "s.db")
    try:
        for role in v.ROLES:
            codes = ["H370100000001"] if role == v.INSTITUTION else []
            store.add_user(f"u-{role}", role, "", "h", institutions=codes)
        db = sqlite3.connect(tmp_path / "s.db")
        try:
            db.execute(
                "INSERT INTO users (username, role, region, password_hash, created_at) "
                "VALUES ('x', 'superuser', '', 'h', 'now')"
            )
        except sqlite3.IntegrityError as exc:
            assert "CHECK" in str(exc)
        else:
            raise AssertionError("the CHECK let an unknown role in")
        finally:
            db.close()
    finally:
        store.close()


def test_graph_node_kinds_agree_with_the_model() -> None:
    assert set(v.NODE_KINDS) <= set(model.NODE_KEYS)
    assert set(v.MEMBER_KINDS) <= set(v.NODE_KINDS.values())
    for lb, (kind, key, _) in graphview.KINDS.items():
        assert v.NODE_KINDS[lb] == kind
        assert model.NODE_KEYS[lb] == key


def test_status_lists_in_queries_are_params() -> None:
    """No query writes a status list of its own: the open statuses travel as a parameter."""
    for name in queries.names():
        q = queries.load(name)
        body = "\n".join(ln for ln in q.text.splitlines() if not ln.lstrip().startswith("//"))
        assert "'in_review'" not in body and "'dismissed'" not in body, name
    for name in ("check_settlements", "checkfacts_open_leads"):
        assert "open_statuses" in queries.load(name).params
    assert "first_status" in queries.load("leads_upsert").params
    assert set(v.QUERY_CONSTANTS) == {"open_statuses", "first_status"}


def test_the_gateway_adds_the_vocabulary_params() -> None:
    from fraudrings.graph.gateway import Gateway

    assert Gateway._params("checkfacts_open_leads", {}) == {"open_statuses": list(v.OPEN_STATUSES)}
    assert Gateway._params("check_settlements", {"checks": []})["open_statuses"] == list(
        v.OPEN_STATUSES
    )
    assert Gateway._params("api_ping", {"x": 1}) == {"x": 1}
