"""The CJK font of the package (PDF text and the ring picture's labels).

``scripts/bootstrap`` fetches WenQuanYi Micro Hei (a TrueType collection, which
reportlab can embed) from Debian's package into ``.fonts/``. A font named by
``FRAUDRINGS_REFERRAL_FONT`` wins; a system-wide WenQuanYi install is used as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final[Path] = Path(__file__).resolve().parents[2]
CANDIDATES: Final[tuple[Path, ...]] = (
    ROOT / ".fonts" / "wqy-microhei.ttc",
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)


class FontMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Font:
    path: Path
    subfont: int = 0  # index in a .ttc collection


def find_font(configured: Path | None = None) -> Font:
    paths = ([configured] if configured else []) + list(CANDIDATES)
    for p in paths:
        if p.is_file():
            return Font(p, 0)
    raise FontMissing(
        "no CJK font for the referral PDF: run ./scripts/bootstrap (it puts WenQuanYi "
        "Micro Hei into .fonts/), or set FRAUDRINGS_REFERRAL_FONT to a TrueType (.ttf/.ttc) "
        "font with Chinese glyphs. Looked at: " + ", ".join(str(p) for p in paths)
    )
