"""The HTTP API under /api/v1 (see API.md for the contract): the blueprint every feature's views
register on, and what they all use: the caller's event and permission checks."""
from apiflask import APIBlueprint
from flask import Response

from .auth import auth, check_event, current, note_token_use, roles_for
from .events.setup import event_by_slug
from .models import Event

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="API")
bp.teardown_request(note_token_use)


def load_event(slug: str) -> Event:
    """The event in the URL, refused if the token is bound to another."""
    event = event_by_slug(slug)
    check_event(event)
    return event


def allowed(*permissions: str):
    """auth_required arguments for a permission (or for any of several)."""
    return {"auth": auth, "roles": sorted({role for p in permissions for role in roles_for(p)})}


def actor() -> str:
    return current().actor


def may(permission: str) -> bool:
    """Whether the caller holds a permission (for rules that change with the role, not refuse it)."""
    return current().role in roles_for(permission)


PDF_ANSWER = {200: {"description": "A PDF", "content": {"application/pdf": {}}}}


def file_response(data: bytes, mimetype: str, name: str) -> Response:
    """A file shown in the browser, never cached: badges and tickets carry names and live codes."""
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'inline; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def register_views() -> None:
    """Import every feature's views, whose routes register on bp."""
    from .branding import views as _branding  # noqa: F401
    from .devices import views as _devices  # noqa: F401
    from .events import views as _events  # noqa: F401
    from .gate import views as _gate  # noqa: F401
    from .kiosks import views as _kiosks  # noqa: F401
    from .live import views as _live  # noqa: F401
    from .printing import printer_views as _printers  # noqa: F401
    from .printing import views as _printing  # noqa: F401
    from .reports import views as _reports  # noqa: F401
    from .sales import views as _sales  # noqa: F401
    from .stock import views as _stock  # noqa: F401
    from .tickets import views as _tickets  # noqa: F401
