"""``fraudrings users``: accounts of the API."""

from __future__ import annotations

import argparse
import sys

from fraudrings.cli import common
from fraudrings.cli.common import EXIT_FAIL, EXIT_USAGE, CliError


def run(args: argparse.Namespace) -> int:
    from fraudrings.casework import accounts
    from fraudrings.casework.store import UserExists

    store = common.store()
    try:
        if args.action == "list":
            for u in store.list_users():
                state = "active" if u.active else "disabled"
                print(f"{u.username:<24}{u.role:<14}{u.region or '(all)':<8}{state}")
            return 0
        if not args.name:
            raise CliError(f"users {args.action} needs NAME", EXIT_USAGE)
        if args.action in ("add", "passwd"):
            if not args.password_stdin:
                raise CliError(
                    "pass the password on standard input with --password-stdin", EXIT_USAGE
                )
            password = sys.stdin.readline().rstrip("\r\n")
            try:
                if args.action == "passwd":
                    if not accounts.change_password(store, args.name, password):
                        raise CliError(f"no user {args.name!r}", EXIT_FAIL)
                    print(f"password of {args.name} changed")
                    return 0
                u = accounts.add_account(
                    store, args.name, args.role, args.region, password, args.institution
                )
            except UserExists as exc:
                raise CliError(str(exc), EXIT_FAIL) from None
            except ValueError as exc:
                raise CliError(str(exc), EXIT_USAGE) from None
            print(f"user {u.username} added: role {u.role}, region {u.region or '(all)'}")
            assert u.totp_secret
            _print_enrolment(u.username, u.totp_secret)
            return 0
        if args.action == "totp":
            secret = accounts.renew_totp(store, args.name)
            if secret is None:
                raise CliError(f"no user {args.name!r}", EXIT_FAIL)
            print(f"new TOTP secret for {args.name}; the old one no longer works")
            _print_enrolment(args.name, secret)
            return 0
        active = args.action == "enable"
        if not store.set_active(args.name, active):
            raise CliError(f"no user {args.name!r}", EXIT_FAIL)
        print(f"user {args.name} {'enabled' if active else 'disabled'}")
        return 0
    finally:
        store.close()


def _print_enrolment(username: str, secret: str) -> None:
    from fraudrings.casework.totp import qr_terminal, totp_uri

    uri = totp_uri(username, secret)
    print(f"TOTP enrolment of {username} (shown once; scan it into an authenticator app):")
    print(qr_terminal(uri))
    print(uri)
