"""The one gateway to Neo4j.

It owns the driver. Nothing above ``graph/`` imports ``neo4j``: callers pass query
names (files in ``queries/``) or the schema's own statements, values always as
parameters, and get plain dicts back. Driver exceptions become the package's own
errors here (:mod:`graph.errors`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from itertools import islice
from typing import Any

import neo4j
from neo4j import exceptions as nex

from fraudrings import queries
from fraudrings.core.vocabulary import QUERY_CONSTANTS
from fraudrings.graph.errors import (
    GraphAuthError,
    GraphError,
    GraphQueryError,
    GraphTimeout,
    GraphUnavailable,
)

log = logging.getLogger(__name__)

Row = dict[str, Any]
Counters = dict[str, int]

_COUNTER_KEYS = (
    "nodes_created",
    "nodes_deleted",
    "relationships_created",
    "relationships_deleted",
    "properties_set",
    "labels_added",
    "labels_removed",
    "indexes_added",
    "constraints_added",
)


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn driver exceptions into :mod:`graph.errors` exceptions."""
    try:
        yield
    except nex.AuthError as exc:
        raise GraphAuthError(f"Neo4j refused the credentials: {exc.message}") from exc
    except (nex.ServiceUnavailable, nex.SessionExpired, ConnectionError, OSError) as exc:
        raise GraphUnavailable(f"Neo4j cannot be reached: {exc}") from exc
    except nex.Neo4jError as exc:
        code = exc.code or ""
        msg = exc.message or str(exc)
        if "TransactionTimedOut" in code or "TransactionTimedOutClientConfiguration" in code:
            raise GraphTimeout(f"query ran past its time limit: {msg}", code) from exc
        raise GraphQueryError(msg, code) from exc
    except nex.DriverError as exc:
        raise GraphError(str(exc)) from exc


def native(value: Any) -> Any:
    """Driver values -> plain Python (neo4j.time types -> datetime/date/timedelta)."""
    if isinstance(value, dict):
        return {k: native(v) for k, v in value.items()}
    if isinstance(value, list):
        return [native(v) for v in value]
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value


def _counters(summary: Any) -> Counters:
    c = summary.counters
    return {k: int(getattr(c, k)) for k in _COUNTER_KEYS}


def _add(total: Counters, part: Counters) -> None:
    for k, v in part.items():
        total[k] = total.get(k, 0) + v


@cache
def _constants_of(name: str) -> tuple[str, ...]:
    return tuple(sorted(queries.load(name).params & QUERY_CONSTANTS.keys()))


def batched(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


class Gateway:
    """Owns one driver; every read and write of the project goes through here."""

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        database: str = "neo4j",
        *,
        connect_timeout: float = 10.0,
        default_timeout: float | None = None,
        max_retry_time: float = 15.0,
    ) -> None:
        self.uri = uri
        self.database = database
        self.default_timeout = default_timeout
        with translate_errors():
            self._driver = neo4j.GraphDatabase.driver(
                uri,
                auth=(user, password),
                connection_timeout=connect_timeout,
                max_transaction_retry_time=max_retry_time,
                notifications_min_severity="OFF",
                user_agent="fraudrings",
            )

    @classmethod
    def from_settings(cls, settings: Any, **kw: Any) -> Gateway:
        return cls(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password.get_secret_value(),
            settings.neo4j_database,
            connect_timeout=settings.neo4j_connect_timeout_s,
            **kw,
        )

    # -- lifecycle ---------------------------------------------------------------------
    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verify(self) -> None:
        """Raise :class:`GraphUnavailable` / :class:`GraphAuthError` unless Neo4j answers."""
        with translate_errors():
            self._driver.verify_connectivity()

    # -- queries -------------------------------------------------------------------------
    def _text(self, name: str) -> str:
        return queries.load(name).text

    @staticmethod
    def _params(name: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """The caller's values, plus the vocabulary's words the query names as ``$params``
        (``$open_statuses``: the list is written once, in ``core/vocabulary.py``)."""
        out = dict(params or {})
        for key in _constants_of(name):
            out.setdefault(key, QUERY_CONSTANTS[key])
        return out

    def _timeout(self, timeout: float | None) -> float | None:
        return timeout if timeout is not None else self.default_timeout

    def _query(self, text: str, timeout: float | None) -> neo4j.Query:
        return neo4j.Query(text, timeout=self._timeout(timeout))

    def read(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> list[Row]:
        """Run the named read query and return its rows as dicts."""
        return self.run_read_text(self._text(name), self._params(name, params), timeout=timeout)

    def read_once(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> list[Row]:
        """Run the named read query once, in an auto-commit transaction: one round trip
        (no BEGIN/COMMIT) and no retry. For hot point reads whose caller has its own
        answer to a failure (the pre-settlement check answers "check unavailable")."""
        with (
            translate_errors(),
            self._driver.session(
                database=self.database, default_access_mode=neo4j.READ_ACCESS
            ) as s,
        ):
            result = s.run(self._query(self._text(name), timeout), self._params(name, params))
            return [native(r.data()) for r in result]

    def stream(
        self, name: str, params: Mapping[str, Any] | None = None, *, fetch_size: int = 20_000
    ) -> Iterator[tuple[Any, ...]]:
        """Run the named read query and yield its rows one by one, as tuples in the order
        of its RETURN, without holding the whole result: for exports of millions of
        rows (the pre-settlement check's read model). One auto-commit transaction, no
        time limit, no retry: a caller that needs a consistent copy checks a generation
        token before and after."""
        with (
            translate_errors(),
            self._driver.session(
                database=self.database,
                default_access_mode=neo4j.READ_ACCESS,
                fetch_size=fetch_size,
            ) as s,
        ):
            for record in s.run(self._query(self._text(name), None), self._params(name, params)):
                yield tuple(native(v) for v in record.values())

    def write(
        self, name: str, params: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> Counters:
        return self.run_write_text(self._text(name), self._params(name, params), timeout=timeout)

    def write_rows(
        self,
        name: str,
        rows: Iterable[Row],
        *,
        batch_size: int = 5000,
        extra: Mapping[str, Any] | None = None,
        on_batch: Callable[[int, Counters], None] | None = None,
    ) -> Counters:
        """``UNWIND $rows AS row`` writes in fixed-size batches, one transaction each.

        Every write query the loader uses is an idempotent ``MERGE``, so a batch that
        the driver retries after a transient failure changes nothing twice.
        """
        text = self._text(name)
        total: Counters = {}
        for chunk in batched(rows, batch_size):
            part = self.write_batch_text(text, chunk, extra)
            _add(total, part)
            if on_batch:
                on_batch(len(chunk), part)
        return total

    def write_batch(
        self, name: str, rows: Sequence[Row], extra: Mapping[str, Any] | None = None
    ) -> Counters:
        return self.write_batch_text(self._text(name), rows, extra)

    def write_batch_text(
        self, text: str, rows: Sequence[Row], extra: Mapping[str, Any] | None = None
    ) -> Counters:
        params = {"rows": list(rows), **(extra or {})}

        def work(tx: neo4j.ManagedTransaction) -> Counters:
            return _counters(tx.run(text, params).consume())

        with translate_errors(), self._driver.session(database=self.database) as s:
            return s.execute_write(work)

    # -- raw text: for the schema, admin commands and the benchmarks' baselines only ----
    def run_read_text(
        self, text: str, params: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> list[Row]:
        @neo4j.unit_of_work(timeout=self._timeout(timeout))
        def work(tx: neo4j.ManagedTransaction) -> list[Row]:
            return [native(r.data()) for r in tx.run(text, dict(params or {}))]

        with (
            translate_errors(),
            self._driver.session(
                database=self.database, default_access_mode=neo4j.READ_ACCESS
            ) as s,
        ):
            return s.execute_read(work)

    def run_write_text(
        self, text: str, params: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> Counters:
        @neo4j.unit_of_work(timeout=self._timeout(timeout))
        def work(tx: neo4j.ManagedTransaction) -> Counters:
            return _counters(tx.run(text, dict(params or {})).consume())

        with translate_errors(), self._driver.session(database=self.database) as s:
            return s.execute_write(work)

    def run_auto(
        self, text: str, params: Mapping[str, Any] | None = None, *, database: str | None = None
    ) -> list[Row]:
        """Auto-commit transaction: needed for schema commands, ``CALL {} IN TRANSACTIONS``
        and system-database administration."""
        with translate_errors(), self._driver.session(database=database or self.database) as s:
            result = s.run(self._query(text, None), dict(params or {}))
            return [native(r.data()) for r in result]

    def write_auto(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a named query that batches itself (``CALL {} IN TRANSACTIONS``)."""
        return self.run_auto(self._text(name), self._params(name, params))

    def plan_operators(self, text: str, params: Mapping[str, Any] | None = None) -> list[str]:
        """``EXPLAIN`` a query; return its plan's operator names (raises if it does not parse)."""
        with translate_errors(), self._driver.session(database=self.database) as s:
            summary = s.run("EXPLAIN " + text, dict(params or {})).consume()
        ops: list[str] = []

        def walk(plan: Any) -> None:
            if not plan:
                return
            ops.append(str(plan.get("operatorType", "")))
            for child in plan.get("children", []):
                walk(child)

        walk(summary.plan)
        return ops

    def server_info(self) -> dict[str, str]:
        rows = self.run_auto(
            "CALL dbms.components() YIELD name, versions, edition "
            "RETURN name, versions[0] AS version, edition"
        )
        row = rows[0]
        return {"name": row["name"], "version": row["version"], "edition": row["edition"]}


def set_initial_password(uri: str, user: str, new_password: str, timeout: float = 10.0) -> bool:
    """On a fresh server, change the default password ``neo4j`` to ``new_password``.

    Returns True if it was changed, False if the default no longer works (already set).
    """
    if new_password == "neo4j":
        raise GraphError("the Neo4j password must not be the default 'neo4j'")
    try:
        with (
            neo4j.GraphDatabase.driver(
                uri, auth=(user, "neo4j"), connection_timeout=timeout
            ) as drv,
            drv.session(database="system") as s,
        ):
            s.run(
                "ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
                old="neo4j",
                new=new_password,
            ).consume()
            return True
    except nex.AuthError:
        return False
    except (nex.ServiceUnavailable, OSError) as exc:
        raise GraphUnavailable(f"Neo4j cannot be reached: {exc}") from exc
