"""Background jobs: an ingest of a drop, or a detection run, one at a time.

A job is a row in the service database (``jobs``): queued -> running -> succeeded |
failed (``interrupted`` when the process died under it). One worker thread runs them
in order, each with its own gateway (no API time limit: a load takes minutes),
reporting progress as (stage, done, total); the report is kept as JSON.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fraudrings.api.problems import ProblemError
from fraudrings.casework.store import JobBusy, now
from fraudrings.graph.gateway import Gateway

if TYPE_CHECKING:
    from fraudrings.api.service import Service

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


def detection_entry() -> Callable[..., dict[str, Any]] | None:
    """``graph.detect.run_all`` where the detection package provides it."""
    try:
        mod = importlib.import_module("fraudrings.graph.detect")
    except ImportError:
        return None
    fn = getattr(mod, "run_all", None)
    return fn if callable(fn) else None


class JobRunner:
    def __init__(self, svc: Service) -> None:
        self.svc = svc
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fraudrings-job")
        self._lock = threading.Lock()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- validation at submission: a bad job is refused before it is queued -------------
    def resolve_drop(self, drop: str) -> Path:
        root = self.svc.settings.api_drops_dir.resolve()
        path = (root / drop).resolve()
        if not path.is_relative_to(root) or not path.is_dir():
            raise ProblemError(
                422,
                f"no drop folder {drop!r} under the service's drops folder",
                slug="no-such-drop",
            )
        return path

    def submit(self, kind: str, params: dict[str, Any], username: str, region: str) -> str:
        if kind == "ingest":
            path = self.resolve_drop(str(params.get("drop", "")))
            work: Callable[[Progress], dict[str, Any]] = lambda p: self._ingest(path, p)  # noqa: E731
        elif kind == "detect":
            fn = detection_entry()
            if fn is None:
                raise ProblemError(
                    501,
                    "detection is not available in this build (graph.detect.run_all missing)",
                    slug="not-available",
                )
            work = lambda p: self._detect(fn, p)  # noqa: E731
        else:  # the request model already refuses other kinds
            raise ProblemError(422, f"unknown job kind {kind!r}")
        try:
            job_id = self.svc.store.create_job(kind, params, username, region)
        except JobBusy as exc:
            raise ProblemError(409, f"{exc}; try again when it is done", slug="job-busy") from None
        self._pool.submit(self._run, job_id, work)
        return job_id

    def _run(self, job_id: str, work: Callable[[Progress], dict[str, Any]]) -> None:
        store = self.svc.store
        store.update_job(job_id, state="running", started_at=now())

        def progress(stage: str, done: int, total: int) -> None:
            store.update_job(job_id, stage=stage, done=int(done), total=int(total))

        try:
            report = work(progress)
        except Exception as exc:  # the job fails; the service goes on
            log.exception("job %s failed", job_id)
            store.update_job(
                job_id, state="failed", error=f"{type(exc).__name__}: {exc}", finished_at=now()
            )
            return
        store.update_job(job_id, state="succeeded", report=report, finished_at=now())

    def _gateway(self) -> Gateway:
        return Gateway.from_settings(self.svc.settings)

    def _ingest(self, path: Path, progress: Progress) -> dict[str, Any]:
        from fraudrings.ingest import readers
        from fraudrings.ingest.loader import LOAD_ORDER, Loader, LoadReport

        stems = [s for s in LOAD_ORDER if readers.find(path, s) is not None]
        if not stems:
            raise readers.DropError(f"{path.name} holds none of the contract's files")
        s = self.svc.settings
        total = LoadReport(drop=str(path))
        with self._gateway() as gw:
            for i, stem in enumerate(stems):
                progress(stem, i, len(stems))
                loader = Loader(
                    gw,
                    batch_size=s.batch_size,
                    quarantine_root=s.quarantine_dir,
                    progress=False,
                    apply_schema=(i == 0),
                )
                part = loader.load(path, stems=(stem,))
                total.files.update(part.files)
                total.seconds += part.seconds
                total.quarantine_dir = part.quarantine_dir
            progress("done", len(stems), len(stems))
        return total.as_dict()

    def _detect(self, fn: Callable[..., dict[str, Any]], progress: Progress) -> dict[str, Any]:
        with self._gateway() as gw:
            report = fn(gw, progress=progress)
        return dict(report)
