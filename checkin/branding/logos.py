"""An event's logo and colours: checked on the way in, kept in the database with the event.

A logo is PNG or JPEG, recognised by its first bytes (not by the name or the
type the browser claims), then decoded in full, so a truncated or disguised
file is refused on upload rather than when a badge prints.
"""
import hashlib
import io

from sqlalchemy import select

from badges.catalog import normalise_badge_type

from ..errors import Invalid
from ..extensions import db
from ..models import Event, EventBranding, utcnow
from ..stock.ledger import journal

MAX_BYTES = 1024 * 1024
MIN_SIDE, MAX_SIDE = 16, 4000
_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}


def _refuse(message: str) -> Invalid:
    return Invalid(f"logo: {message}", {"logo": [message]})


def check_logo(data: bytes) -> tuple[str, int, int]:
    """The logo's type, width and height; Invalid naming `logo` when it is not a usable PNG or JPEG."""
    if not data:
        raise _refuse("the file is empty")
    if len(data) > MAX_BYTES:
        raise _refuse(f"at most {MAX_BYTES // 1024} KB, this file has {len(data) // 1024} KB")
    mime = next((m for magic, m in _MAGIC.items() if data.startswith(magic)), None)
    if mime is None:
        raise _refuse("not a PNG or JPEG image")
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=[_FORMATS[mime]]) as image:
            width, height = image.size  # read from the header: a huge image is refused before decoding
            if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
                raise _refuse(f"{width}x{height} pixels; each side must be {MIN_SIDE} to {MAX_SIDE}")
            image.load()
    except Invalid:
        raise
    except Exception:  # Pillow raises many kinds for a damaged file; all mean the same here
        raise _refuse(f"the {_FORMATS[mime]} data is damaged or incomplete") from None
    return mime, width, height


def _branding(event: Event) -> EventBranding:
    row = db.session.get(EventBranding, event.id)
    if row is None:
        row = EventBranding(event_id=event.id, colours={})
        db.session.add(row)
    return row


def save_logo(event: Event, data: bytes, actor: str) -> dict:
    """Check and store the event's logo, replacing any before it."""
    mime, width, height = check_logo(data)
    row = _branding(event)
    digest = hashlib.sha256(data).hexdigest()
    row.logo, row.logo_type, row.logo_sha256 = data, mime, digest
    row.logo_width, row.logo_height, row.updated_at = width, height, utcnow()
    journal(event.id, actor, "branding.logo", quantity=0,
            after={"type": mime, "width": width, "height": height, "bytes": len(data), "sha256": digest})
    db.session.commit()
    return branding_view(event)


def drop_logo(event: Event, actor: str) -> dict:
    """Badges print without a logo from now on."""
    row = _branding(event)
    row.logo = row.logo_type = row.logo_sha256 = row.logo_width = row.logo_height = None
    row.updated_at = utcnow()
    journal(event.id, actor, "branding.logo", quantity=0, after=None)
    db.session.commit()
    return branding_view(event)


def logo_file(event: Event) -> tuple[bytes, str] | None:
    """The logo's bytes and type, or None."""
    row = db.session.scalar(select(EventBranding).where(EventBranding.event_id == event.id))
    if row is None or row.logo_type is None:
        return None
    return row.logo, row.logo_type


def save_colours(event: Event, colours: dict[str, str], actor: str) -> dict:
    """Set the colour of each badge type's band (the whole map: a type left out keeps its layout's colour)."""
    folded: dict[str, str] = {}
    for key, colour in colours.items():
        name = normalise_badge_type(key)
        if not name:
            raise Invalid("a badge type is empty", {f"colours.{key}": ["name a badge type"]})
        folded[name] = colour.upper()
    row = _branding(event)
    row.colours, row.updated_at = folded, utcnow()
    journal(event.id, actor, "branding.colours", quantity=0, after=folded)
    db.session.commit()
    return branding_view(event)


def branding_view(event: Event) -> dict:
    """The event's branding as the API answers it."""
    row = db.session.get(EventBranding, event.id)
    logo = None
    if row is not None and row.logo_type is not None:
        logo = {"type": row.logo_type, "width": row.logo_width, "height": row.logo_height,
                "sha256": row.logo_sha256, "url": f"/api/v1/events/{event.slug}/branding/logo"}
    return {"logo": logo, "colours": dict(row.colours or {}) if row else {},
            "updated_at": row.updated_at.isoformat() if row else None}
