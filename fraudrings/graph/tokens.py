"""The generation tokens, renewed in one place: every writer of the graph wraps its write
in :func:`facts_write` (the facts: an ingest, online or offline) or :func:`leads_write`
(detection's leads, workflow steps, referrals), and the renewal happens when the block
ends, however it ends.

* the **data generation** (``queries/data_generation_bump.cypher``): renewed marked
  *writing* before facts change and again when the write ends; the check's read model is
  built and used only under an unchanged, not-writing token;
* the **leads generation** (``queries/leads_generation_bump.cypher``): renewed after a
  write to leads, and after a write to the facts (lead members' properties may have
  changed); the API's kept answers are valid only under the token they were made under.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from fraudrings.graph.gateway import Gateway

log = logging.getLogger(__name__)


def bump_data(gw: Gateway, *, writing: bool = False) -> None:
    """A new data generation: with ``writing`` before a write to the graph's facts starts,
    without it after it ends (failed or not); read models under the old token go out of
    use."""
    gw.write("data_generation_bump", {"writing": writing})


def bump_generation(gw: Gateway) -> None:
    """A new leads generation, after the write has committed: the API drops the answers
    about leads it kept under the old one."""
    gw.write("leads_generation_bump")


@contextmanager
def facts_write(gw: Gateway, *, announce: bool = True) -> Iterator[None]:
    """A write to the graph's facts. Before it (``announce``; not when the database was
    just made by the offline importer and nothing can have read it) a writing data token;
    after it a new leads generation and a new data generation. When the write fails the
    tokens are still renewed (a part of it may have committed) and the write's own error
    is the one raised."""
    if announce:
        bump_data(gw, writing=True)
    try:
        yield
    except BaseException:
        try:
            bump_generation(gw)
            bump_data(gw)
        except Exception:
            log.warning("could not renew the generation tokens after a failed write")
        raise
    bump_generation(gw)
    bump_data(gw)


@contextmanager
def leads_write(gw: Gateway) -> Iterator[None]:
    """A write to leads; a new leads generation after it, also when it fails part-way
    (the write's own error is the one raised)."""
    try:
        yield
    except BaseException:
        try:
            bump_generation(gw)
        except Exception:
            log.warning("could not renew the leads generation after a failed write")
        raise
    bump_generation(gw)
