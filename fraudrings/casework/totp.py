"""The second factor: TOTP (RFC 6238, 30 s, 6 digits, pyotp) for every account; the
enrolment is an ``otpauth://`` URI and a QR code made here (segno), no outside service."""

from __future__ import annotations

import base64
import hmac
import io
import re
from datetime import UTC, datetime
from typing import Final

import pyotp
import segno

TOTP_ISSUER: Final[str] = "fraudrings"
TOTP_RE: Final[re.Pattern[str]] = re.compile(r"^[0-9]{6}$")


def new_totp_secret() -> str:
    """160 random bits, base32 (what authenticator apps expect)."""
    return pyotp.random_base32(32)


def totp_uri(username: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def verify_totp(secret: str | None, code: str | None, *, at: datetime | None = None) -> bool:
    """The code of this 30 s step or the one either side (clock drift)."""
    return totp_step(secret, code, at=at) is not None


def totp_step(secret: str | None, code: str | None, *, at: datetime | None = None) -> int | None:
    """The time step (30 s counter) whose code ``code`` is: this step or the one either
    side (clock drift); None when it is none of them. A sign-in records the step, so that
    the same code is never accepted twice (RFC 6238 section 5.2)."""
    if not secret or not code or not TOTP_RE.fullmatch(code.strip()):
        return None
    t = pyotp.TOTP(secret)
    when = at or datetime.now(UTC)
    step = t.timecode(when)
    for s in (step, step - 1, step + 1):
        if hmac.compare_digest(t.generate_otp(s), code.strip()):
            return s
    return None


def qr_svg(data: str) -> str:
    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="svg", scale=4, xmldecl=False)
    return buf.getvalue().decode("utf-8")


def qr_png_base64(data: str) -> str:
    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="png", scale=5)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def qr_terminal(data: str) -> str:
    """The QR code as text for a terminal (two rows per line, block characters)."""
    m = [list(row) for row in segno.make(data, error="m").matrix]
    size = len(m)
    quiet = 2
    grid = [[0] * (size + 2 * quiet) for _ in range(quiet)]
    grid += [[0] * quiet + [int(bool(x)) for x in row] + [0] * quiet for row in m]
    grid += [[0] * (size + 2 * quiet) for _ in range(quiet + 1)]
    chars = {(0, 0): "█", (1, 0): "▄", (0, 1): "▀", (1, 1): " "}  # dark modules as spaces
    lines = []
    for y in range(0, len(grid) - 1, 2):
        lines.append("".join(chars[(a, b)] for a, b in zip(grid[y], grid[y + 1], strict=True)))
    return "\n".join(lines)
