"""An event's own layouts: saved as numbered versions, one of them active per target.

A target is "*" (every ticket type of the event) or one ticket type's code.
A save adds the next version; versions are never changed or removed, so a
badge printed with version 3 can be traced to it. Two saves at once cannot
take one number: (override, version) is unique and the loser tries again.

Activating another version changes what prints next and nothing else: badges
printed before are not marked stale unless the call asks (`reprint`).
"""
import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import badges
from badges.layout import LOGO_SRC

from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..models import Event, LayoutOverride, LayoutVersion, TicketType, utcnow
from ..stock.ledger import journal
from .reprints import mark_for_reprint
from .selection import EVENT_TARGET

SAVE_ATTEMPTS = 8


def check_target(event: Event, target: str) -> TicketType | None:
    """The ticket type a target names (None for "*"); 404 when the event has no such type."""
    if target == EVENT_TARGET:
        return None
    ttype = db.session.scalar(select(TicketType).where(TicketType.event_id == event.id, TicketType.code == target))
    if ttype is None:
        raise NotFound(f"no ticket type {target!r} in this event; use '*' for the whole event",
                       {"target": ["no such ticket type"]})
    return ttype


def _not_finite(value: Any, path: str) -> str | None:
    """The path of the first NaN or infinity in a JSON value (Python's JSON reader lets them in)."""
    if isinstance(value, float) and not math.isfinite(value):
        return path
    items = value.items() if isinstance(value, Mapping) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _not_finite(item, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}")
        if found:
            return found
    return None


def check_document(document: Any, field: str = "layout") -> badges.Layout:
    """Parse a layout document sent by a client; Invalid naming the path of the bad value."""
    bad_number = _not_finite(document, field)
    if bad_number:
        raise Invalid(f"{bad_number}: not a finite number", {bad_number: ["not a finite number"]})
    if isinstance(document, Mapping) and isinstance(document.get("elements"), list):
        for i, element in enumerate(document["elements"]):
            # A stored layout may draw the event's logo, never a file of the server's.
            if isinstance(element, Mapping) and element.get("kind") == "image" and element.get("src") != LOGO_SRC:
                where = f"{field}.elements[{i}].src"
                message = f"must be '{LOGO_SRC}': an event's layout shows its logo, no other file"
                raise Invalid(f"{where}: {message}", {where: [message]})
    try:
        return badges.parse_layout(document, source="layout")
    except badges.LayoutError as bad:
        where = f"{field}.{bad.field}" if bad.field != "(layout)" else field
        raise Invalid(f"{where}: {bad.message}", {where: [bad.message]}) from None
    except (TypeError, ValueError) as bad:  # a value the schema let through but the model cannot take
        raise Invalid(f"{field}: {bad}", {field: [str(bad)]}) from None


def _override(event: Event, target: str) -> LayoutOverride | None:
    return db.session.scalar(select(LayoutOverride).where(LayoutOverride.event_id == event.id,
                                                          LayoutOverride.target == target))


def save_version(event: Event, target: str, document: dict, note: str | None, activate: bool, actor: str) -> dict:
    """Check the document and store it as the target's next version (the active one unless `activate` is false)."""
    check_target(event, target)
    check_document(document)
    event_id = event.id
    for _attempt in range(SAVE_ATTEMPTS):
        try:
            row = _add_version(event_id, target, document, note, activate, actor)
            db.session.commit()
            return version_view(event, target, row, document=False)
        except IntegrityError:  # another save took this number (or made the override) first
            db.session.rollback()
    raise Conflict("the layout is being saved by others right now; save again", {"layout": ["busy, save again"]})


def _add_version(event_id: int, target: str, document: dict, note, activate: bool, actor: str) -> LayoutVersion:
    override = db.session.scalar(select(LayoutOverride).where(LayoutOverride.event_id == event_id,
                                                              LayoutOverride.target == target))
    if override is None:
        override = LayoutOverride(event_id=event_id, target=target, active=None, updated_at=utcnow())
        db.session.add(override)
        db.session.flush()
    number = (db.session.scalar(select(func.max(LayoutVersion.version))
                                .where(LayoutVersion.override_id == override.id)) or 0) + 1
    row = LayoutVersion(override_id=override.id, version=number, document=document, note=note,
                        created_at=utcnow(), actor=actor)
    db.session.add(row)
    db.session.flush()
    if activate:
        override.active, override.updated_at = number, utcnow()
    journal(event_id, actor, "layout.save", quantity=0, reason=note,
            after={"target": target, "version": number, "active": activate})
    return row


def activate(event: Event, target: str, version: int | None, reprint: bool, actor: str) -> dict:
    """Make `version` the one that prints (None: fall back to the next layout down); optionally mark reprints."""
    ttype = check_target(event, target)
    override = _override(event, target)
    if version is not None and (override is None or db.session.scalar(select(LayoutVersion.id).where(
            LayoutVersion.override_id == override.id, LayoutVersion.version == version)) is None):
        raise Invalid(f"no version {version} of this layout", {"version": ["no such version"]})
    before = override.active if override else None
    if override is not None:
        override.active, override.updated_at = version, utcnow()
    marked = mark_for_reprint(event, ttype, f"layout {_label(target)} v{version}" if version
                              else f"layout {_label(target)} reset") if reprint else 0
    journal(event.id, actor, "layout.activate", quantity=0,
            before={"target": target, "version": before},
            after={"target": target, "version": version, "reprints_marked": marked})
    db.session.commit()
    return {**target_view(event, target), "reprints_marked": marked}


def _label(target: str) -> str:
    return "event" if target == EVENT_TARGET else f"type {target}"


def list_versions(event: Event, target: str) -> dict:
    """The target's versions, newest first, without their documents."""
    check_target(event, target)
    override = _override(event, target)
    rows = [] if override is None else db.session.scalars(
        select(LayoutVersion).where(LayoutVersion.override_id == override.id).order_by(LayoutVersion.version.desc()))
    return {**target_view(event, target), "versions": [version_view(event, target, r, document=False) for r in rows]}


def get_version(event: Event, target: str, version: int) -> dict:
    """One version with its document."""
    check_target(event, target)
    override = _override(event, target)
    row = None if override is None else db.session.scalar(select(LayoutVersion).where(
        LayoutVersion.override_id == override.id, LayoutVersion.version == version))
    if row is None:
        raise NotFound(f"no version {version} of this layout")
    return version_view(event, target, row, document=True)


def target_view(event: Event, target: str) -> dict:
    """A target and its active version (None: the next layout down prints)."""
    override = _override(event, target)
    return {"target": target, "active": override.active if override else None}


def version_view(event: Event, target: str, row: LayoutVersion, document: bool) -> dict:
    """A saved version as the API answers it, with its document when asked."""
    view = {"target": target, "version": row.version, "note": row.note, "created_at": row.created_at.isoformat(),
            "actor": row.actor}
    if document:
        view["layout"] = row.document
    return view


def overview(event: Event) -> dict:
    """Every target with an override, and the layout each ticket type prints with now."""
    from .selection import event_layouts

    chosen = event_layouts(event)
    overrides = db.session.scalars(select(LayoutOverride).where(LayoutOverride.event_id == event.id)
                                   .order_by(LayoutOverride.target))
    types = []
    for ttype in event.types:
        pick = chosen.choose(ttype)
        types.append({"code": ttype.code, "name": ttype.name, "badge_type": ttype.badge_type,
                      "layout": pick.label if pick else None})
    return {"targets": [{"target": o.target, "active": o.active} for o in overrides], "types": types,
            "built_in": list(badges.layout_names())}
