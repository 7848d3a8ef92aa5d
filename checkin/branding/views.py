"""An event's branding (logo, colours) and its own layouts: versions, activation, previews."""
import badges

from ..api import actor, allowed, bp, file_response, load_event
from ..bodies import body_limit
from ..errors import Invalid, NotFound
from ..tickets.records import get_ticket
from . import layouts, logos, preview
from .schemas import ActivateIn, ColoursIn, LayoutIn, LogoIn, PreviewIn

_PNG = {200: {"description": "A colour PNG of the badge", "content": {"image/png": {}}}}
_LOGO = {200: {"description": "The logo as uploaded", "content": {"image/png": {}, "image/jpeg": {}}}}
_TARGET = "`*` (every ticket type of the event) or a ticket type's code"


@bp.get("/events/<slug>/branding")
@bp.auth_required(**allowed("badges.print"))
def get_branding(slug):
    """The event's logo (type, size, where to get it) and its colour per badge type."""
    return logos.branding_view(load_event(slug))


@bp.put("/events/<slug>/branding/logo")
@body_limit(4 * 1024 * 1024)  # a logo a few times over its 1 MB is told so by name (422 logo)
@bp.auth_required(**allowed("badges.brand"))
@bp.input(LogoIn, location="files")
def put_logo(slug, files_data):
    """Upload the event's logo (multipart field `logo`: PNG or JPEG, at most 1 MB); badges show it from now on."""
    upload = files_data["logo"]
    try:
        data = upload.read(logos.MAX_BYTES + 1)  # one byte more than allowed is enough to refuse it
    finally:
        upload.close()
    return logos.save_logo(load_event(slug), data, actor())


@bp.get("/events/<slug>/branding/logo")
@bp.auth_required(**allowed("badges.print"))
@bp.doc(responses=_LOGO)
def get_logo(slug):
    """The logo as uploaded."""
    found = logos.logo_file(load_event(slug))
    if found is None:
        raise NotFound("this event has no logo")
    data, mime = found
    return file_response(data, mime, "logo." + mime.split("/")[1])


@bp.delete("/events/<slug>/branding/logo")
@bp.auth_required(**allowed("badges.brand"))
def delete_logo(slug):
    """Badges print without a logo from now on."""
    return logos.drop_logo(load_event(slug), actor())


@bp.put("/events/<slug>/branding/colours")
@bp.auth_required(**allowed("badges.brand"))
@bp.input(ColoursIn)
def put_colours(slug, json_data):
    """Set each badge type's band colour; a type left out keeps its layout's own."""
    return logos.save_colours(load_event(slug), json_data["colours"], actor())


@bp.get("/badges/layouts/<name>")
@bp.auth_required(**allowed("badges.print"))
def builtin_layout(name):
    """A built-in layout's document: the starting point for an event's own."""
    try:
        return {"name": name, "layout": badges.catalog.layout_document(name)}
    except badges.UnknownLayoutError:
        raise NotFound(f"no built-in layout {name!r}") from None


@bp.get("/events/<slug>/layouts")
@bp.auth_required(**allowed("badges.print"))
def layout_overview(slug):
    """The event's own layouts (each target's active version) and the layout each ticket type prints with."""
    return layouts.overview(load_event(slug))


@bp.get("/events/<slug>/layouts/<target>/versions")
@bp.auth_required(**allowed("badges.print"))
@bp.doc(description=f"target: {_TARGET}")
def layout_versions(slug, target):
    """A target's saved versions, newest first, and which one is active."""
    return layouts.list_versions(load_event(slug), target)


@bp.get("/events/<slug>/layouts/<target>/versions/<int(max=2147483647):version>")
@bp.auth_required(**allowed("badges.print"))
def layout_version(slug, target, version):
    """One saved version with its layout document."""
    return layouts.get_version(load_event(slug), target, version)


@bp.post("/events/<slug>/layouts/<target>/versions")
@bp.auth_required(**allowed("badges.brand"))
@bp.input(LayoutIn)
@bp.doc(description=f"target: {_TARGET}")
def save_layout(slug, target, json_data):
    """Save a layout as the target's next version (active unless `activate` is false); `422` names the bad field."""
    return layouts.save_version(load_event(slug), target, json_data["layout"], json_data.get("note"),
                                json_data["activate"], actor()), 201


@bp.post("/events/<slug>/layouts/<target>/active")
@bp.auth_required(**allowed("badges.brand"))
@bp.input(ActivateIn)
def activate_layout(slug, target, json_data):
    """Choose the version that prints; badges printed before are marked for reprint only with `reprint: true`."""
    return layouts.activate(load_event(slug), target, json_data["version"], json_data["reprint"], actor())


@bp.get("/events/<slug>/layouts/<target>/samples")
@bp.auth_required(**allowed("badges.print"))
def layout_samples(slug, target):
    """The target's tickets to preview: the longest holder name, and one in each script the names use."""
    event = load_event(slug)
    return preview.samples(event, layouts.check_target(event, target))


@bp.post("/events/<slug>/layout-preview")
@bp.auth_required(**allowed("badges.print"))
@bp.input(PreviewIn)
@bp.doc(responses=_PNG)
def layout_preview(slug, json_data):
    """A ticket's badge as a colour PNG, with a draft layout (nothing saved) or the one that prints now."""
    event = load_event(slug)
    try:
        ticket = get_ticket(event, json_data["ticket_id"])
    except NotFound:
        raise Invalid("no such ticket in this event", {"ticket_id": ["no such ticket in this event"]}) from None
    png = preview.preview_png(event, ticket, json_data.get("layout"), json_data["dpi"])
    return file_response(png, "image/png", f"preview-{ticket.id}.png")
