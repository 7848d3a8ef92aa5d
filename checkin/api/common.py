"""Helpers every API module uses: the caller's event and permission checks."""
from ..auth import auth, check_event, current, roles_for
from ..models import Event
from ..setup import event_by_slug


def load_event(slug: str) -> Event:
    """The event in the URL, refused if the token is bound to another."""
    event = event_by_slug(slug)
    check_event(event)
    return event


def allowed(permission: str):
    """auth_required arguments for a permission."""
    return {"auth": auth, "roles": roles_for(permission)}


def actor() -> str:
    return current().actor


def may(permission: str) -> bool:
    """Whether the caller holds a permission (for rules that change with the role, not refuse it)."""
    return current().role in roles_for(permission)
