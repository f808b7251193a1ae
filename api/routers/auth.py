"""Accounts: tokens (OAuth2 password flow) and users."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import Admin, User, audit_ids, get_service
from api.problems import ProblemError, responses
from api.schemas import Token, UserCreate, UserList, UserPublic
from api.security import hash_password, issue_token, verify_password
from api.store import User as StoredUser
from api.store import UserExists

auth = APIRouter(prefix="/auth", tags=["auth"])
users = APIRouter(prefix="/users", tags=["users"], responses=responses(401, 429))


def _public(u: StoredUser) -> UserPublic:
    return UserPublic(
        username=u.username,
        role=u.role,  # type: ignore[arg-type]
        region=u.region,
        active=u.active,
        created_at=u.created_at,
    )


@auth.post(
    "/token",
    response_model=Token,
    summary="OAuth2 password flow: a bearer token for a username and password",
    responses=responses(401, 422, 429),
)
def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    svc = get_service(request)
    request.state.audit_user = form.username[:64]
    request.state.audit_params = {"username": form.username[:64]}
    client = request.client.host if request.client else "unknown"
    wait = svc.login_limiter.take("login:" + client)
    if wait > 0:
        raise ProblemError(
            429,
            "too many sign-in attempts; wait a moment",
            slug="rate-limited",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    user = svc.store.get_user(form.username)
    ok = verify_password(user.password_hash if user else None, form.password)
    if user is None or not ok or not user.active:
        raise ProblemError(
            401,
            "wrong username or password",
            slug="unauthorized",
            headers={"WWW-Authenticate": "Bearer"},
        )
    tok, seconds = issue_token(user.username, svc.secret, svc.settings.api_token_minutes)
    return Token(access_token=tok, expires_in=seconds)


@users.get("/me", response_model=UserPublic, summary="The caller's own account")
def me(request: Request, user: User) -> UserPublic:
    u = get_service(request).store.get_user(user.username)
    assert u is not None
    return _public(u)


@users.get(
    "",
    response_model=UserList,
    summary="Users inside your region (admins)",
    responses=responses(403),
)
def list_users(request: Request, user: Admin) -> UserList:
    rows = [_public(u) for u in get_service(request).store.list_users(user.region)]
    audit_ids(request, [f"user:{u.username}" for u in rows])
    return UserList(data=rows, count=len(rows))


@users.post(
    "",
    response_model=UserPublic,
    status_code=201,
    summary="Create a user inside your region (admins)",
    responses=responses(403, 409, 422),
)
def create_user(request: Request, user: Admin, body: UserCreate) -> UserPublic:
    svc = get_service(request)
    request.state.audit_params = body.model_dump(exclude={"password"})
    if not body.region.startswith(user.region):
        raise ProblemError(
            403, "you can only create users inside your own region", slug="forbidden"
        )
    try:
        u = svc.store.add_user(body.username, body.role, body.region, hash_password(body.password))
    except UserExists as exc:
        raise ProblemError(409, str(exc), slug="conflict") from None
    audit_ids(request, [f"user:{u.username}"])
    return _public(u)
