"""The web UI: a dependency-free single-page app served from files shipped in this package.

``GET /`` answers ``index.html``; ``GET /ui/static/{name}`` the scripts and the style sheet.
Everything the page needs is here (no CDN, no web fonts), so it works offline. The page talks
to the REST API under ``/api/v1`` like any other client.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Response

from cairn.errors import NotFound

__all__ = ["STATIC", "router"]

STATIC = Path(__file__).parent / "static"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}

# The page may load only what this server sends; inline scripts are not needed.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _files() -> dict[str, Path]:
    """The servable files by their path under ``static/`` (fixed when the module loads)."""
    found: dict[str, Path] = {}
    for path in STATIC.rglob("*"):
        if path.is_file() and path.suffix in _TYPES:
            found[path.relative_to(STATIC).as_posix()] = path
    return found


_FILES = _files()

router = APIRouter(include_in_schema=False)


def _serve(name: str) -> Response:
    path = _FILES.get(name)
    if path is None:
        raise NotFound(f"the UI has no file {name!r}", "open the UI at /")
    return Response(path.read_bytes(), media_type=_TYPES[path.suffix], headers=_HEADERS)


@router.get("/")
def index() -> Response:
    """The single page; the app routes by the URL's #fragment."""
    return _serve("index.html")


@router.get("/ui/static/{name:path}")
def static(name: str) -> Response:
    """A script, module or style sheet of the UI (only files shipped in the package)."""
    return _serve(name)
