"""Accounts: tokens (OAuth2 password flow with a TOTP second factor), sign-out, users.

``POST /auth/token`` takes the form fields of the OAuth2 password flow plus ``totp``, the
current 6-digit code of the account's authenticator; a client that can only send the
standard fields (Swagger UI) may put the code in ``client_secret`` instead. Failures in a
row lock the account for a while; every refusal reads the same, so it tells nothing
about which part was wrong or whether the account exists.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response

from fraudrings.api.deps import AccountAdmin, Caller, audit_ids, get_service
from fraudrings.api.problems import ProblemError, responses
from fraudrings.api.schemas import (
    Token,
    TotpEnrolment,
    TotpRenew,
    UserCreate,
    UserCreated,
    UserList,
    UserPublic,
)
from fraudrings.casework.passwords import hash_password, verify_password
from fraudrings.casework.store import User as StoredUser
from fraudrings.casework.store import UserExists
from fraudrings.casework.tokens import decode_claims, issue_token
from fraudrings.casework.totp import new_totp_secret, qr_png_base64, qr_svg, totp_step, totp_uri

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


def enrolment(username: str, secret: str) -> TotpEnrolment:
    uri = totp_uri(username, secret)
    return TotpEnrolment(
        username=username, otpauth_uri=uri, qr_svg=qr_svg(uri), qr_png_base64=qr_png_base64(uri)
    )


REFUSED = "wrong username, password or code, or the account is locked for a while"


@auth.post(
    "/token",
    response_model=Token,
    summary="OAuth2 password flow with TOTP: a bearer token for username, password and code",
    responses=responses(401, 422, 429),
)
def token(
    request: Request,
    username: Annotated[str, Form(max_length=256)],
    password: Annotated[str, Form(max_length=1024)],
    totp: Annotated[
        str | None, Form(max_length=16, description="the current 6-digit TOTP code")
    ] = None,
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
    scope: Annotated[str, Form(max_length=256)] = "",
    client_id: Annotated[str | None, Form(max_length=256)] = None,
    client_secret: Annotated[
        str | None, Form(max_length=256, description="the TOTP code, for clients without `totp`")
    ] = None,
) -> Token:
    svc = get_service(request)
    s = svc.settings
    request.state.audit_user = username[:64]
    request.state.audit_params = {"username": username[:64]}
    client = request.client.host if request.client else "unknown"
    wait = svc.login_limiter.take("login:" + client)
    if wait > 0:
        raise ProblemError(
            429,
            "too many sign-in attempts; wait a moment",
            slug="rate-limited",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    user = svc.store.get_user(username)
    ok = verify_password(user.password_hash if user else None, password)
    step = totp_step(user.totp_secret if user else None, totp or client_secret)
    ok = step is not None and ok
    # a code signs in once: its step must be later than the last one used (RFC 6238 5.2)
    ok = (
        ok
        and user is not None
        and step is not None
        and svc.store.use_totp_step(user.username, step)
    )
    if user is None or not ok or not user.active or user.locked:
        if (
            user is not None
            and not user.locked
            and not ok
            and svc.store.login_failed(
                user.username, s.api_login_max_failures, s.api_login_lockout_minutes
            )
        ):
            request.state.audit_params["locked"] = True
        raise ProblemError(
            401, REFUSED, slug="unauthorized", headers={"WWW-Authenticate": "Bearer"}
        )
    svc.store.login_ok(user.username)
    tok, seconds = issue_token(user.username, svc.secret, s.api_token_minutes)
    _, jti = decode_claims(tok, svc.secret)
    svc.store.add_session(jti, user.username, datetime.now(UTC) + timedelta(seconds=seconds))
    return Token(access_token=tok, expires_in=seconds)


@auth.post(
    "/logout",
    status_code=204,
    summary="Sign out: the token is revoked at once",
    responses=responses(401, 429),
)
def logout(request: Request, user: Caller) -> Response:
    svc = get_service(request)
    svc.store.revoke_session(request.state.jti, "logout")
    svc.sessions.drop(request.state.jti)
    return Response(status_code=204)


@users.get("/me", response_model=UserPublic, summary="The caller's own account")
def me(request: Request, user: Caller) -> UserPublic:
    u = get_service(request).store.get_user(user.username)
    assert u is not None
    return _public(u)


@users.get(
    "",
    response_model=UserList,
    summary="Users inside your region (admins)",
    responses=responses(403),
)
def list_users(request: Request, user: AccountAdmin) -> UserList:
    rows = [_public(u) for u in get_service(request).store.list_users(user.region)]
    audit_ids(request, [f"user:{u.username}" for u in rows])
    return UserList(data=rows, count=len(rows))


@users.post(
    "/me/totp",
    response_model=TotpEnrolment,
    summary="A new TOTP secret for your own account (password and current code needed)",
    responses=responses(403, 422),
)
def renew_own_totp(request: Request, user: Caller, body: TotpRenew) -> TotpEnrolment:
    svc = get_service(request)
    u = svc.store.get_user(user.username)
    assert u is not None
    step = totp_step(u.totp_secret, body.code)
    if not (
        verify_password(u.password_hash, body.password)
        and step is not None
        and svc.store.use_totp_step(u.username, step)
    ):
        raise ProblemError(403, "wrong password or code", slug="forbidden")
    secret = new_totp_secret()
    # the user's other sessions end; this one (password and code just given) goes on
    svc.store.set_totp(u.username, secret, keep_session=request.state.jti)
    svc.sessions.drop_user(u.username, keep=request.state.jti)
    audit_ids(request, [f"user:{u.username}"])
    return enrolment(u.username, secret)


@users.post(
    "/{username}/totp",
    response_model=TotpEnrolment,
    summary="Reset a user's TOTP secret (admins, inside their region): the new enrolment",
    responses=responses(403, 404, 422),
)
def reset_totp(
    request: Request,
    user: AccountAdmin,
    username: Annotated[str, Path(min_length=1, max_length=64)],
) -> TotpEnrolment:
    svc = get_service(request)
    u = svc.store.get_user(username)
    if u is None or not u.region.startswith(user.region):
        raise ProblemError(404, "no user with this name", slug="not-found")
    if u.username == user.username:
        raise ProblemError(
            403,
            "your own second factor is renewed with your password and current code "
            "(POST /users/me/totp)",
            slug="forbidden",
        )
    secret = new_totp_secret()
    svc.store.set_totp(u.username, secret)  # the user's sessions end with it
    svc.sessions.drop_user(u.username)
    audit_ids(request, [f"user:{u.username}"])
    return enrolment(u.username, secret)


@users.post(
    "",
    response_model=UserCreated,
    status_code=201,
    summary="Create a user inside your region (admins); the TOTP enrolment is shown once",
    responses=responses(403, 409, 422),
)
def create_user(request: Request, user: AccountAdmin, body: UserCreate) -> UserCreated:
    svc = get_service(request)
    request.state.audit_params = body.model_dump(exclude={"password"})
    if not body.region.startswith(user.region):
        raise ProblemError(
            403, "you can only create users inside your own region", slug="forbidden"
        )
    try:
        u = svc.store.add_user(
            body.username,
            body.role,
            body.region,
            hash_password(body.password, body.username),
            institutions=body.institutions,
        )
    except UserExists:  # names nobody: the account may be another region's
        raise ProblemError(
            409, "this username is not available; choose another", slug="conflict"
        ) from None
    except ValueError as exc:  # an institution account without codes, or codes on staff
        raise ProblemError(422, str(exc), slug="validation") from None
    audit_ids(request, [f"user:{u.username}"])
    assert u.totp_secret
    return UserCreated(**_public(u).model_dump(), totp=enrolment(u.username, u.totp_secret))
