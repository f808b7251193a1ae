"""Jobs through the API: an ingest of a drop and a detection run, with progress and report."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import fraudrings.api.jobs as jobs_module
from tests.integration import api_world
from tests.integration.api_world import Api

# the shared fixtures (module attributes, so pytest registers them here)
api_factory = api_world.api_factory
world = api_world.world

pytestmark = pytest.mark.integration
MINI = Path(__file__).resolve().parents[1] / "data" / "mini"


def _wait(a: Api, job_id: str, user: str = "sup_all", seconds: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        job: dict[str, Any] = a.get(user, f"/jobs/{job_id}").json()
        if job["state"] in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.3)


def _api_with_drop(api_factory: Callable[..., Api]) -> Api:
    a = api_factory()
    drops = a.client.app.state.service.settings.api_drops_dir  # type: ignore[attr-defined]
    shutil.copytree(MINI, drops / "mini")
    # ingest and detection are national: a supervisor of the whole country starts them
    h = a.store.get_user("admin_all").password_hash  # type: ignore[union-attr]
    a.store.add_user("sup_all", "supervisor", "", h)
    return a


def test_ingest_job_runs_in_background_with_progress_and_report(
    api_factory: Callable[..., Api],
) -> None:
    a = _api_with_drop(api_factory)
    assert a.post("sup_sd", "/jobs", json={"kind": "ingest", "drop": "mini"}).status_code == 403
    r = a.post("sup_all", "/jobs", json={"kind": "ingest", "drop": "mini"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["kind"] == "ingest" and job["state"] in ("queued", "running", "succeeded")
    done = _wait(a, job["job_id"])
    assert done["state"] == "succeeded", done["error"]
    assert done["stage"] == "done" and done["done"] == done["total"] > 0
    report = done["report"]
    assert report["files"]["persons"]["loaded"] > 0 and report["rows_read"] > 0
    listed = a.get("sup_all", "/jobs").json()
    assert listed["count"] == 1 and listed["data"][0]["job_id"] == job["job_id"]
    # jobs are for supervisors and admins; other regions do not see them
    assert a.get("inv_jn", "/jobs").status_code == 403
    assert a.get("sup_qd", f"/jobs/{job['job_id']}").status_code == 404
    assert a.get("sup_sd", f"/jobs/{job['job_id']}").status_code == 404


def test_bad_jobs_are_refused_before_they_start(api_factory: Callable[..., Api]) -> None:
    a = _api_with_drop(api_factory)
    for body in (
        {"kind": "ingest", "drop": "../../etc"},
        {"kind": "ingest", "drop": "nope"},
        {"kind": "ingest"},
        {"kind": "format_disk"},
    ):
        r = a.post("admin_all", "/jobs", json=body)
        assert r.status_code == 422, body
    assert a.get("admin_all", "/jobs").json()["count"] == 0


def test_detection_not_available_is_a_clear_error(
    api_factory: Callable[..., Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    a = api_factory()
    monkeypatch.setattr(jobs_module, "detection_entry", lambda: None)
    r = a.post("admin_all", "/jobs", json={"kind": "detect"})
    assert r.status_code == 501 and "not available" in r.json()["detail"]


def test_detection_job(api_factory: Callable[..., Api]) -> None:
    if jobs_module.detection_entry() is None:
        pytest.skip("graph.detect.run_all is not in this build")
    a = _api_with_drop(api_factory)
    ingest = a.post("admin_all", "/jobs", json={"kind": "ingest", "drop": "mini"}).json()
    detect = a.post("admin_all", "/jobs", json={"kind": "detect"}).json()
    assert _wait(a, ingest["job_id"], "admin_all")["state"] == "succeeded"
    assert a.get("sup_sd", f"/jobs/{detect['job_id']}").status_code == 404  # national job
    done = _wait(a, detect["job_id"], "admin_all")
    assert done["state"] == "succeeded", done["error"]
    assert done["total"] > 0 and done["done"] == done["total"]
    assert isinstance(done["report"], dict) and done["report"]
