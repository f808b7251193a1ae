"""The audit's writer: every request's row, and what the request recorded besides it,
committed in batches by one background thread per worker, without losing a row.

A counter's call (a check, a 3101/3102 message) records more than its audit row: the
hits on open leads for the investigators, the ``jr_id`` of each warning it answered
with, an institution's answers to warnings. :class:`AuditWriter` writes them all with
the row, in the row's transaction (``Store.audit_many``: the HMAC chain is extended
inside that transaction from the last committed row, so batches keep it whole), and
shares each commit among the requests that finish together
(:class:`~fraudrings.api.batcher.MicroBatcher`: whatever is waiting, up to
``max_batch`` rows; an idle writer commits one row at once, under load the rows that
arrive during one commit form the next, so no timer adds its wait to an answer).

What a caller can rely on (fail-closed):

- :meth:`AuditWriter.write` returns only once its row and records are committed; the
  audit middleware starts the response only then, so nothing goes out unrecorded,
  a ``jr_id`` included (a 3103 about it can only come after its record exists).
- A batch that cannot be committed is rolled back whole and each of its rows is
  written again alone, so one request whose rows cannot be written (a constraint, a
  value SQLite refuses) is refused without taking the others of its batch with it.
- A row that cannot be written alone raises: the request answers 500
  ``/problems/audit-unavailable`` with none of its answer. Past ``timeout`` the same,
  although the row may still be committed later (recorded but refused, never the other
  way round).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fraudrings.api.batcher import MicroBatcher
from fraudrings.casework.store import Store

log = logging.getLogger(__name__)

MAX_BATCH = 64


class AuditWriter:
    def __init__(self, store: Store, max_batch: int = MAX_BATCH) -> None:
        self.store = store
        self.batcher: MicroBatcher[dict[str, Any], int | Exception] = MicroBatcher(
            self._commit, max_batch=max_batch, name="audit"
        )

    def _commit(self, rows: Sequence[dict[str, Any]]) -> list[int | Exception]:
        """On the writer's thread: one transaction for the batch; when it fails, one per
        row, each row's own outcome (its id, or the error that refuses its request)."""
        try:
            return list(self.store.audit_many(rows))
        except Exception as exc:
            if len(rows) == 1:
                raise
            log.warning(
                "an audit batch of %d failed (%s); writing its rows one by one", len(rows), exc
            )
        out: list[int | Exception] = []
        for row in rows:
            try:
                out.append(self.store.audit_many([row])[0])
            except Exception as exc:
                out.append(exc)
        return out

    async def write(self, row: dict[str, Any], timeout: float) -> int:
        """The row's id once it and its records are committed; raises otherwise."""
        got = await self.batcher.run(row, timeout=timeout)
        if isinstance(got, Exception):
            raise got
        return got

    def close(self) -> None:
        self.batcher.close()
