"""Badges: previews, print jobs (PDF and label-printer PNG), a ticket's print log, the stale queue."""
from apiflask import Schema
from apiflask.fields import Integer, List, String
from apiflask.validators import Length, OneOf, Range, Regexp

import badges

from ..api import PDF_ANSWER, actor, allowed, bp, file_response, load_event
from ..auth import current, roles_for
from ..errors import Forbidden
from ..schemas import printable, text
from ..tickets.records import get_ticket
from . import desks, jobs, status

ID = Integer(strict=True, validate=Range(1, 2**31 - 1))
LAYOUTS = list(badges.layout_names())
PAGES = list(badges.PAGES)


def _layout(**kw) -> String:
    return String(validate=OneOf(LAYOUTS), allow_none=True, metadata={"enum": LAYOUTS}, **kw)


def _page(**kw) -> String:
    return String(validate=OneOf(PAGES), allow_none=True, metadata={"enum": PAGES}, **kw)


class BadgeQuery(Schema):
    layout = _layout()
    page = _page()


class BadgePngQuery(Schema):
    layout = _layout()
    dpi = Integer(load_default=203, validate=Range(72, 600))


class JobPngQuery(Schema):
    index = Integer(load_default=0, validate=Range(0, 100_000))
    dpi = Integer(load_default=203, validate=Range(72, 600))


def _desk(**kw) -> String:
    return String(validate=[Length(1, 64), printable, Regexp(r"^\S(.*\S)?$", error="no spaces at either end")],
                  metadata={"description": "the name the desk screen gave itself"}, **kw)


class DeskIn(Schema):
    desk = _desk(required=True)


class BadgeRequestIn(Schema):
    ticket_id = Integer(strict=True, required=True, validate=Range(1, 2**31 - 1))
    desk = _desk(required=True)


class PrintJobIn(Schema):
    ticket_ids = List(ID, required=True, validate=Length(1, jobs.MAX_BADGES))
    layout = _layout()
    page = _page()
    start_at = Integer(strict=True, load_default=0, validate=Range(0, 99))
    reason = text(500, allow_none=True)
    desk = String(validate=[Length(1, 64), printable], allow_none=True)
    printer = String(validate=[Length(1, 64), printable], allow_none=True,
                     metadata={"description": "None: the desk's printer holding the page; no printer: the browser"})


_PNG = {200: {"description": "A 1-bit PNG with its dpi recorded", "content": {"image/png": {}}}}


def _check_layout_choice(layout: str | None) -> None:
    if layout is not None and current().role not in roles_for("badges.layout"):
        raise Forbidden("This token's role prints each ticket type's own layout only.",
                        {"layout": ["not allowed for this role"]})


@bp.get("/badges/layouts")
@bp.auth_required(**allowed("badges.print"))
def badge_layouts():
    """The built-in layouts, the page profiles, and which badge type gets which layout."""
    return {"layouts": [{"name": n, "title": badges.get_layout(n).title} for n in LAYOUTS],
            "pages": [{"name": p.name, "per_page": p.per_page} for p in badges.PAGES.values()],
            "types": badges.type_map()}


@bp.get("/events/<slug>/tickets/<int(max=2147483647):ticket_id>/badge")
@bp.auth_required(**allowed("badges.print"))
def ticket_badge(slug, ticket_id):
    """A ticket's badge state (needs print, stale, layout, next reprint mark) and every print of it."""
    return status.badge_status(load_event(slug), ticket_id)


@bp.get("/events/<slug>/tickets/<int(max=2147483647):ticket_id>/badge.pdf")
@bp.auth_required(**allowed("badges.print"))
@bp.input(BadgeQuery, location="query")
@bp.doc(responses=PDF_ANSWER)
def badge_pdf(slug, ticket_id, query_data):
    """Preview the ticket's badge as its next print would be; nothing is logged (print with a print job)."""
    _check_layout_choice(query_data.get("layout"))
    event = load_event(slug)
    pdf = jobs.preview(event, get_ticket(event, ticket_id), query_data.get("layout"),
                           query_data.get("page"), None)
    return file_response(pdf, "application/pdf", f"badge-{ticket_id}.pdf")


@bp.get("/events/<slug>/tickets/<int(max=2147483647):ticket_id>/badge.png")
@bp.auth_required(**allowed("badges.print"))
@bp.input(BadgePngQuery, location="query")
@bp.doc(responses=_PNG)
def badge_png(slug, ticket_id, query_data):
    """Preview the ticket's badge as a 1-bit PNG (203 dpi unless `dpi` says otherwise); nothing is logged."""
    _check_layout_choice(query_data.get("layout"))
    event = load_event(slug)
    png = jobs.preview(event, get_ticket(event, ticket_id), query_data.get("layout"), None,
                           query_data["dpi"])
    return file_response(png, "image/png", f"badge-{ticket_id}.png")


@bp.post("/events/<slug>/print-jobs")
@bp.auth_required(**allowed("badges.print"))
@bp.input(PrintJobIn)
def create_print_job(slug, json_data):
    """Print badges: one PDF for the job, each print logged; a badge printed before needs a reason."""
    _check_layout_choice(json_data.get("layout"))
    req = jobs.PrintRequest(**json_data)
    return jobs.print_badges(load_event(slug), req, actor()), 201


@bp.get("/events/<slug>/print-jobs/<int(max=2147483647):job_id>")
@bp.auth_required(**allowed("badges.print"))
def get_print_job(slug, job_id):
    """A print job and the prints it logged."""
    return jobs.get_job(load_event(slug), job_id)


@bp.get("/events/<slug>/print-jobs/<int(max=2147483647):job_id>.pdf")
@bp.auth_required(**allowed("badges.print"))
@bp.doc(responses=PDF_ANSWER)
def print_job_pdf(slug, job_id):
    """The job's PDF, exactly as printed."""
    return file_response(jobs.job_pdf(load_event(slug), job_id), "application/pdf", f"print-job-{job_id}.pdf")


@bp.get("/events/<slug>/print-jobs/<int(max=2147483647):job_id>.png")
@bp.auth_required(**allowed("badges.print"))
@bp.input(JobPngQuery, location="query")
@bp.doc(responses=_PNG)
def print_job_png(slug, job_id, query_data):
    """Page `index` of the job (one badge, or one sheet) as a 1-bit PNG for label printers (203 or 300 dpi)."""
    png = jobs.job_png(load_event(slug), job_id, query_data["index"], query_data["dpi"])
    return file_response(png, "image/png", f"print-job-{job_id}-{query_data['index']}.png")


@bp.get("/events/<slug>/badges/stale")
@bp.auth_required(**allowed("badges.print"))
def stale_badges(slug):
    """Printed badges made out of date by an upgrade, transfer or reissue: reprints due."""
    return status.stale(load_event(slug))


@bp.get("/events/<slug>/desks")
@bp.auth_required(**allowed("badges.send"))
def list_desks(slug):
    """The event's badge desks, each marked `open` if its screen asked for its queue in the last 45 seconds."""
    return desks.list_desks(load_event(slug))


@bp.post("/events/<slug>/desks/queue")
@bp.auth_required(**allowed("badges.print"))
@bp.input(DeskIn)
def desk_queue(slug, json_data):
    """A desk screen asks for the badges queued for it (oldest first); the first call makes the desk known."""
    return desks.desk_here(load_event(slug), json_data["desk"])


@bp.post("/events/<slug>/badge-requests")
@bp.auth_required(**allowed("badges.send"))
@bp.input(BadgeRequestIn)
def ask_badge(slug, json_data):
    """Print a ticket's badge now at a desk: `201` queued, or `200` with the request already made (a failed one
    is queued again)."""
    request, created = desks.ask_badge(load_event(slug), json_data["ticket_id"], json_data["desk"], actor())
    return request, 201 if created else 200


@bp.get("/events/<slug>/badge-requests/<int(max=2147483647):request_id>")
@bp.auth_required(**allowed("badges.send"))
def get_badge_request(slug, request_id):
    """A badge request's state as its desk reports it: queued, printed (with the job) or failed (with why)."""
    return desks.get_request(load_event(slug), request_id)


@bp.post("/events/<slug>/badge-requests/<int(max=2147483647):request_id>/print")
@bp.auth_required(**allowed("badges.print"))
def print_badge_request(slug, request_id):
    """The desk prints a queued request: `201` {request, job}; a refused print marks the request failed."""
    return desks.print_request(load_event(slug), request_id, actor()), 201
