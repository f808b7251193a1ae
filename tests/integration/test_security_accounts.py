"""Accounts on the real server: a TOTP code signs in once (RFC 6238 section 5.2), a
password or second-factor reset ends the user's sessions, and an admin renews their own
second factor only with password and code."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fraudrings.casework import accounts
from tests.integration import api_world
from tests.integration.api_world import PASSWORD, Api, fresh_code, totp_code

api_factory = api_world.api_factory
world = api_world.world
pytestmark = pytest.mark.integration


def test_a_totp_code_signs_in_once(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    form = {"username": "inv_jn", "password": PASSWORD, "totp": fresh_code(a.store, "inv_jn")}
    assert a.client.post("/auth/token", data=form).status_code == 200
    replay = a.client.post("/auth/token", data=form)
    assert replay.status_code == 401
    # also through client_secret, the other field that carries the code
    alt = {"username": "inv_jn", "password": PASSWORD, "client_secret": form["totp"]}
    assert a.client.post("/auth/token", data=alt).status_code == 401
    # another user's use of their own code is not affected
    other = {"username": "inv_jn2", "password": PASSWORD, "totp": totp_code(a.store, "inv_jn2")}
    assert a.client.post("/auth/token", data=other).status_code == 200


def _works(a: Api, tok: str) -> int:
    r = a.client.get("/users/me", headers={"Authorization": f"Bearer {tok}"})
    return int(r.status_code)


def test_a_totp_reset_by_an_admin_ends_the_users_sessions(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    tok = a.token("inv_jn")
    assert _works(a, tok) == 200
    assert a.post("admin_all", "/users/inv_jn/totp").status_code == 200
    assert _works(a, tok) == 401


def test_a_password_reset_ends_the_users_sessions(api_factory: Callable[..., Api]) -> None:
    a = api_factory(api_auth_recheck_s=0)
    tok = a.token("inv_jn2")
    assert _works(a, tok) == 200
    assert accounts.change_password(a.store, "inv_jn2", "another long password 42")
    assert _works(a, tok) == 401


def test_an_admin_renews_their_own_totp_only_with_password_and_code(
    api_factory: Callable[..., Api],
) -> None:
    a = api_factory(api_auth_recheck_s=0)
    r = a.post("admin_all", "/users/admin_all/totp")
    assert r.status_code == 403
    other = a.client.post("/auth/token", data=api_world.login_form(a.store, "admin_all"))
    other_tok = other.json()["access_token"]
    me = a.token("admin_all")
    own = a.post(
        "admin_all",
        "/users/me/totp",
        json={"password": PASSWORD, "code": fresh_code(a.store, "admin_all")},
    )
    assert own.status_code == 200
    # the session that renewed it goes on; the admin's other session has ended
    assert _works(a, me) == 200 and _works(a, other_tok) == 401


def test_a_taken_username_names_nobody(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    admin = a.store.get_user("admin_all")
    assert admin is not None
    a.store.add_user("adm_qd", "admin", "3702", admin.password_hash)
    body = {
        "username": "inv_jn",
        "role": "analyst",
        "region": "3702",
        "password": "plenty of words 12",
    }
    r = a.post("adm_qd", "/users", json=body)
    assert r.status_code == 409
    assert "inv_jn" not in r.text and "3701" not in r.text


def test_a_new_password_needs_more_than_length(api_factory: Callable[..., Api]) -> None:
    a = api_factory()
    for weak in ("p" * 12, "new_weak_user_2025", "onlylettershere"):
        body = {"username": "new_weak_user", "role": "analyst", "region": "3701", "password": weak}
        r = a.post("admin_all", "/users", json=body)
        assert r.status_code == 422, (weak, r.text)
    assert a.store.get_user("new_weak_user") is None
