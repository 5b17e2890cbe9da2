"""Every error leaves the server as JSON ``{code, message, hint}``, never as a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from cairn.errors import AuthenticationRequired, CairnError

__all__ = ["error_response", "install_error_handlers"]

log = logging.getLogger("cairn.server")

_HTTP_CODES = {
    400: "invalid_input",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}


def error_response(status: int, code: str, message: str, hint: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="cairn"'} if status == 401 else None
    return JSONResponse(
        {"code": code, "message": message, "hint": hint}, status_code=status, headers=headers
    )


def _validation_message(errors: list[dict[str, object]]) -> str:
    parts = []
    for error in errors[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")  # type: ignore[attr-defined]
        parts.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is not valid"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CairnError)
    async def _cairn(_request: Request, error: CairnError) -> JSONResponse:
        status = error.http_status
        if status >= 500:
            log.warning("request failed: %s: %s", error.code, error.message)
        if isinstance(error, AuthenticationRequired):
            status = 401
        return error_response(status, error.code, error.message, error.hint)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        message = _validation_message(list(error.errors()))
        return error_response(400, "invalid_input", message, "see the API reference at /docs")

    @app.exception_handler(ValidationError)
    async def _invalid_model(_request: Request, error: ValidationError) -> JSONResponse:
        message = _validation_message([dict(e) for e in error.errors()])
        return error_response(400, "invalid_input", message, "see the API reference at /docs")

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, error: HTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(error.status_code, "error")
        message = error.detail if isinstance(error.detail, str) else "request refused"
        return error_response(error.status_code, code, message, "see the API reference at /docs")

    @app.exception_handler(Exception)
    async def _bug(request: Request, error: Exception) -> JSONResponse:
        rid = getattr(request.state, "request_id", "?")
        log.exception("unhandled error in request %s", rid, exc_info=error)
        return error_response(
            500, "error", f"internal error (request {rid})", "report a bug with the request id"
        )
