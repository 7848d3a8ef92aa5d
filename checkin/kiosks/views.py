"""Kiosk calls: the kiosk's own (a guest's ticket, named by its code) and staff's view of every kiosk."""
from ..api import actor, allowed, bp, file_response, load_event
from ..auth import current
from ..errors import Conflict, Invalid
from . import fleet, guests
from .schemas import KioskCorrectionIn, KioskHereIn, KioskSettingsIn, ScannedIn, TakeOverIn

PNG_ANSWER = {200: {"description": "The badge as a PNG", "content": {"image/png": {}}}}


def _me() -> str:
    return fleet.name_of(current().token_id)


@bp.post("/events/<slug>/kiosk/here")
@bp.auth_required(**allowed("kiosk.serve"))
@bp.input(KioskHereIn)
def kiosk_here(slug, json_data):
    """The kiosk's screen reports its state; it gets its settings (admit or only print) and latest printer jobs."""
    return fleet.here(load_event(slug), _me(), json_data["state"])


@bp.post("/events/<slug>/kiosk/check")
@bp.auth_required(**allowed("kiosk.serve"))
@bp.input(ScannedIn)
def kiosk_check(slug, json_data):
    """Is this you? `{ok: true, ticket}` with the holder's name, company and type, or
    `{ok: false, reason, message}` sending the guest to the desk, with no ticket data."""
    return guests.check(load_event(slug), _me(), json_data["code"])


@bp.post("/events/<slug>/kiosk/preview")
@bp.auth_required(**allowed("kiosk.serve"))
@bp.input(ScannedIn)
@bp.doc(responses=PNG_ANSWER)
def kiosk_preview(slug, json_data):
    """The badge the guest would print, as a PNG; 409 if the kiosk may not serve this ticket."""
    png = guests.preview(load_event(slug), _me(), json_data["code"])
    if png is None:
        raise Conflict("this kiosk cannot serve this ticket", {"code": ["see the desk"]})
    return file_response(png, "image/png", "badge.png")


@bp.post("/events/<slug>/kiosk/corrections")
@bp.auth_required(**allowed("kiosk.serve"))
@bp.input(KioskCorrectionIn)
def kiosk_correct(slug, json_data):
    """The guest corrects the name or company on their own badge: within a correction's bounds only
    (403 beyond them: staff at the desk decide), journaled as any correction."""
    return guests.correct(load_event(slug), _me(), json_data["code"], json_data["holder"], actor())


@bp.post("/events/<slug>/kiosk/print")
@bp.auth_required(**allowed("kiosk.serve"))
@bp.input(ScannedIn)
def kiosk_print(slug, json_data):
    """Print the guest's first badge at this kiosk's printer (and admit them where the kiosk does):
    `{ok: true, job, admitted}`, or a refusal as /kiosk/check gives."""
    return guests.print_badge(load_event(slug), _me(), json_data["code"], actor())


@bp.get("/events/<slug>/kiosks")
@bp.auth_required(**allowed("kiosks.watch"))
def list_kiosks(slug):
    """Every kiosk: state (ready, checking, printing, out_of_labels, printer_down, offline, taken_over),
    its printers, what printing there does, and its last guests."""
    return fleet.list_kiosks(load_event(slug))


def _name(name: str) -> str:
    if not 1 <= len(name) <= 64:
        raise Invalid("a kiosk's name is 1 to 64 characters", {"name": ["1 to 64 characters"]})
    return name


@bp.put("/events/<slug>/kiosks/<name>")
@bp.auth_required(**allowed("kiosks.manage"))
@bp.input(KioskSettingsIn)
def configure_kiosk(slug, name, json_data):
    """Whether printing at this kiosk also admits, and at which entry gate (null: it only prints)."""
    return fleet.configure(load_event(slug), _name(name), json_data["admit_at"])


@bp.post("/events/<slug>/kiosks/<name>/takeover")
@bp.auth_required(**allowed("kiosks.watch"))
@bp.input(TakeOverIn)
def take_over_kiosk(slug, name, json_data):
    """Staff take a kiosk over (its screen sends guests to the desk) or hand it back."""
    return fleet.take_over(load_event(slug), _name(name), json_data["taken"], actor())
