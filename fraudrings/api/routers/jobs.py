"""Jobs: start an ingest or a detection run, follow its progress, read its report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from fraudrings.api.deps import JobRunner, audit_ids, get_service
from fraudrings.api.problems import ProblemError, responses
from fraudrings.api.schemas import JobCreate, JobList, JobPublic

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=responses(401, 403, 429))


@router.post(
    "",
    response_model=JobPublic,
    status_code=202,
    summary="Start an ingest of a drop, or a detection run (national supervisors and admins)",
    responses=responses(422, 501),
)
def start_job(request: Request, user: JobRunner, body: JobCreate) -> JobPublic:
    svc = get_service(request)
    request.state.audit_params = body.model_dump()
    if user.region:
        # an ingest or a detection run rewrites the graph and the leads of every region
        raise ProblemError(
            403,
            "ingest and detection change the whole country's graph and leads: "
            "a national supervisor or admin starts them",
            slug="forbidden",
        )
    params = {"drop": body.drop} if body.kind == "ingest" else {}
    if body.kind == "ingest" and not body.drop:
        raise ProblemError(422, "an ingest job needs 'drop'", slug="validation")
    job_id = svc.jobs.submit(body.kind, params, user.username, user.region)
    job = svc.store.get_job(job_id, user.region)
    assert job is not None
    audit_ids(request, [f"job:{job_id}"])
    return JobPublic(**job)


@router.get("", response_model=JobList, summary="Jobs started in your region, newest first")
def list_jobs(
    request: Request,
    user: JobRunner,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JobList:
    total, rows = get_service(request).store.list_jobs(user.region, offset, limit)
    return JobList(data=[JobPublic(**r) for r in rows], count=total)


@router.get(
    "/{job_id}",
    response_model=JobPublic,
    summary="One job: state, progress and report",
    responses=responses(404, 422),
)
def get_job(
    request: Request, user: JobRunner, job_id: Annotated[str, Path(max_length=64)]
) -> JobPublic:
    job = get_service(request).store.get_job(job_id, user.region)
    if job is None:
        raise ProblemError(404, "no job with this id", slug="not-found")
    audit_ids(request, [f"job:{job_id}"])
    return JobPublic(**job)
