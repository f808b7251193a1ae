"""What every handler of the command line shares: exit codes, the error that carries
one, and the settings, gateway, local server and service store made from the settings.

Handlers reach these through this module (``common.settings()``), so one replacement
here (a test's settings) reaches them all.
"""

from __future__ import annotations

from typing import Any

EXIT_FAIL, EXIT_USAGE, EXIT_UNAVAILABLE = 1, 2, 3


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAIL) -> None:
        super().__init__(message)
        self.code = code


def settings() -> Any:
    from fraudrings.core.settings import SettingsError, get_settings

    try:
        return get_settings()
    except SettingsError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def gateway() -> Any:
    from fraudrings.graph.gateway import Gateway

    return Gateway.from_settings(settings())


def server() -> Any:
    from fraudrings.graph.server import LocalServer

    return LocalServer(settings())


def store() -> Any:
    from fraudrings.casework.store import Store
    from fraudrings.core.settings import SettingsError

    s = settings()
    try:
        key = s.require_audit_key()
    except SettingsError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    return Store(s.service_db, audit_key=key)
