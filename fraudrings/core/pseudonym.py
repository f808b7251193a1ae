"""Public ids of phones and addresses: a keyed hash (HMAC-SHA256) of the number or the
text, never the plain value nor an unkeyed hash of it (an 11-digit phone number with 7
of its digits shown would fall to 10,000 guesses).

The one function that names a phone or an address outside the graph: the API's node
ids, detection and ingest all call :func:`contact_id`. The key is
``FRAUDRINGS_PSEUDONYM_KEY`` (:meth:`Settings.require_pseudonym_key`); it is set once
per process with :func:`use_key` and nothing hashes without it.
"""

from __future__ import annotations

import hashlib
import hmac

_key: bytes | None = None


class PseudonymKeyMissing(RuntimeError):
    """Raised when an id is asked for before the key was set."""


def use_key(key: str) -> None:
    """Set the process's key (the API at start-up, the CLI before it names a phone)."""
    global _key
    _key = key.encode()


def contact_id(value: str) -> str:
    """The public id of a phone number or an address: 16 hex digits of its HMAC."""
    if _key is None:
        raise PseudonymKeyMissing(
            "no pseudonym key set: FRAUDRINGS_PSEUDONYM_KEY is required to name phones "
            "and addresses"
        )
    return hmac.new(_key, value.encode(), hashlib.sha256).hexdigest()[:16]
