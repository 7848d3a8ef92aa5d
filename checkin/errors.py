"""Domain errors and their rendering as application/problem+json (RFC 9457).

Services raise these; the app turns every error, including Flask's own and
unexpected ones, into a problem document, so no answer carries a stack trace.
"""
import logging

from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import Response, json, request
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A request that cannot be carried out; nothing was written."""

    status = 409
    title = "Conflict"

    def __init__(self, detail: str, errors: dict | None = None, **extra):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra


class Conflict(DomainError):
    """The request clashes with what already exists."""


class NotFound(DomainError):
    status, title = 404, "Not found"


class Invalid(DomainError):
    """Input that parses but breaks a rule; `errors` maps field paths to messages."""

    status, title = 422, "Invalid input"


class Forbidden(DomainError):
    status, title = 403, "Forbidden"


class SoldOut(Conflict):
    title = "Not enough stock"


class Busy(DomainError):
    """The service cannot take this now; `retry_after` says when to try again."""

    status, title = 503, "Service busy"

    def __init__(self, detail: str, retry_after: int = 1):
        super().__init__(detail, retry_after=retry_after)


def problem(status: int, title: str, detail: str, errors: dict | None = None, **extra) -> Response:
    """A problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into {"tickets.3.holder.name": [...]}."""
    if isinstance(detail, list) and all(isinstance(m, str) for m in detail):
        return {prefix or "body": detail}
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten(value, path))
        return out
    return {prefix or "body": [str(detail)]}


def _validation_errors(error: HTTPError) -> dict | None:
    detail = error.detail
    if not isinstance(detail, dict) or not detail:
        return None
    # APIFlask nests by location ("json", "query", "files"); the field is what users need.
    merged: dict = {}
    for _location, messages in detail.items():
        merged.update(flatten(messages))
    return merged


def _summary(errors: dict) -> str:
    field, messages = next(iter(errors.items()))
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{field}: {messages[0]}{more}"


_DETAILS = {
    400: "The request body is not valid JSON (or not JSON at all).",
    404: "No such resource.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
    415: "Send JSON with Content-Type: application/json.",
}


def init_errors(app: APIFlask) -> None:
    """Render every error as problem+json."""

    @app.error_processor
    def _http_error(error: HTTPError):
        errors = _validation_errors(error)
        title = "Invalid input" if errors else (error.message or "Error")
        detail = _summary(errors) if errors else _DETAILS.get(error.status_code, error.message or "Request refused")
        resp = problem(error.status_code, title, detail, errors)
        resp.headers.extend(error.headers or {})
        return resp

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        resp = problem(error.status, error.title, error.detail, error.errors, **error.extra)
        if "retry_after" in error.extra:
            resp.headers["Retry-After"] = str(error.extra["retry_after"])
        return resp

    @app.before_request
    def _check_path():
        # Slugs and codes in the URL never hold control characters; refuse them
        # before they reach a database that cannot store them (PostgreSQL and NUL).
        for name, value in (request.view_args or {}).items():
            if isinstance(value, str) and (len(value) > 200 or any(ord(c) < 32 for c in value)):
                return problem(404, "Not found", f"No such {name}.")
        return None

    @app.errorhandler(DataError)
    def _unstorable(error: DataError):
        log.warning("value refused by the database: %s", error.orig)
        return problem(422, "Invalid input", "A value in this request cannot be stored.")

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def _busy(error: OperationalError | PoolTimeout):
        log.warning("database unavailable: %s", error)
        resp = problem(503, "Service busy", "The database is busy; try again in a moment.")
        resp.headers["Retry-After"] = "1"
        return resp

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return problem(error.code or 500, error.name, error.description or error.name)
        log.exception("unexpected error")
        return problem(500, "Internal error", "The server failed to handle this request; it was logged.")
