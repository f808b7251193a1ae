"""Settings, allow-list, query files, schema parsing and the CLI's help."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fraudrings import cli, queries
from fraudrings.core.settings import Settings, SettingsError, get_settings
from fraudrings.graph import model, schema


def test_missing_password_fails_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    get_settings.cache_clear()
    with pytest.raises(SettingsError, match="NEO4J_PASSWORD is not set"):
        get_settings()
    get_settings.cache_clear()


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret-value")
    monkeypatch.setenv("NEO4J_BOLT_PORT", "17999")
    monkeypatch.setenv("FRAUDRINGS_BATCH_SIZE", "123")
    s = Settings()  # type: ignore[call-arg]
    assert s.neo4j_uri == "bolt://127.0.0.1:17999" and s.is_local_uri
    assert s.batch_size == 123
    assert "s3cret" not in repr(s)
    monkeypatch.setenv("NEO4J_URI", "neo4j://db.internal:7687")
    assert not Settings().is_local_uri  # type: ignore[call-arg]


def test_allow_list_refuses_unknown_names() -> None:
    assert model.label("Person") == "Person"
    assert model.rel_type("HAS_EVENT") == "HAS_EVENT"
    for bad in ("Person) DETACH DELETE (n", "person", ""):
        with pytest.raises(ValueError):
            model.label(bad)
    with pytest.raises(ValueError):
        model.rel_type("KNOWS")


def test_every_query_has_a_header_and_uses_params() -> None:
    assert len(queries.names()) >= 12
    for name in queries.names():
        q = queries.load(name)
        assert q.header.splitlines()[0], name
        assert "params:" in q.header, f"{name} header does not list its params"
        assert ("mode: write" in q.header) or ("mode: read" in q.header), name
    with pytest.raises(KeyError):
        queries.load("no_such_query")


def test_every_ingest_query_exists_for_every_file() -> None:
    from fraudrings.ingest.validate import LOAD_ORDER

    for stem in LOAD_ORDER:
        assert queries.load(f"ingest_{stem}").writes


def test_schema_file_parses_and_covers_every_keyed_label() -> None:
    items = schema.expected()
    keyed = {i.label: i.properties[0] for i in items if i.kind == "constraint"}
    assert keyed == model.NODE_KEYS
    with pytest.raises(ValueError):
        schema.expected("CREATE FULLTEXT INDEX x FOR (n:Person) ON EACH [n.psn_name];")


@pytest.mark.parametrize("sub", ["neo4j", "db", "ingest", "generate"])
def test_every_subcommand_has_help(sub: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fraudrings.cli", sub, "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "usage: fraudrings " + sub in out


def test_db_reset_needs_confirmation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_PASSWORD", "x-unused-x")
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    get_settings.cache_clear()
    try:
        assert cli.main(["db", "reset"]) == cli.EXIT_USAGE
    finally:
        get_settings.cache_clear()
