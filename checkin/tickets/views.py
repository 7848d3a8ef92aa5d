"""Tickets: bulk import, search, detail and changes."""
from ..api import PDF_ANSWER, actor, allowed, bp, file_response, load_event, may
from ..sales import changes
from ..schemas import ReasonIn
from . import corrections, flags, printable
from . import records as service
from .schemas import CorrectionIn, ImportIn, SearchQuery, TransferIn


@bp.post("/events/<slug>/tickets")
@bp.auth_required(**allowed("import"))
@bp.input(ImportIn)
def import_tickets(slug, json_data):
    """Import or issue tickets: all or nothing, idempotent on external_id."""
    return {"tickets": service.import_tickets(load_event(slug), json_data["tickets"], actor())}, 201


@bp.get("/events/<slug>/tickets")
@bp.auth_required(**allowed("tickets.read"))
@bp.input(SearchQuery, location="query")
def search_tickets(slug, query_data):
    """Find tickets by name, email, company, external id or code prefix (3+ characters)."""
    return {"tickets": service.search(load_event(slug), query_data["q"])}


@bp.get("/events/<slug>/tickets/<int(max=2147483647):ticket_id>")
@bp.auth_required(**allowed("tickets.read"))
def get_ticket(slug, ticket_id):
    """A ticket with its scans and ledger history."""
    return service.detail(service.get_ticket(load_event(slug), ticket_id))


@bp.get("/events/<slug>/tickets/<int(max=2147483647):ticket_id>/qr.svg")
@bp.auth_required(**allowed("tickets.read"))
@bp.doc(responses={200: {"description": "An SVG QR code", "content": {"image/svg+xml": {}}}})
def ticket_qr(slug, ticket_id):
    """The ticket's current code as a QR image, for a walk-in to photograph."""
    ticket = service.get_ticket(load_event(slug), ticket_id)
    return file_response(printable.qr_svg(ticket), "image/svg+xml", f"ticket-{ticket_id}.svg")


@bp.get("/events/<slug>/tickets/<int(max=2147483647):ticket_id>/ticket.pdf")
@bp.auth_required(**allowed("tickets.read"))
@bp.doc(responses=PDF_ANSWER)
def ticket_pdf(slug, ticket_id):
    """A printable ticket (A6): event, holder, type, QR and serial."""
    event = load_event(slug)
    return file_response(printable.ticket_pdf(event, service.get_ticket(event, ticket_id)), "application/pdf",
                         f"ticket-{ticket_id}.pdf")


@bp.post("/events/<slug>/tickets/<int(max=2147483647):ticket_id>/void")
@bp.auth_required(**allowed("tickets.change"))
@bp.input(ReasonIn)
def void_ticket(slug, ticket_id, json_data):
    """Cancel a ticket; its seat returns to the pool. A ticket used to enter needs a supervisor (403)."""
    return changes.void(load_event(slug), ticket_id, json_data["reason"], actor(),
                        supervisor=may("changes.approve"))


@bp.post("/events/<slug>/tickets/<int(max=2147483647):ticket_id>/reissue")
@bp.auth_required(**allowed("tickets.change"))
@bp.input(ReasonIn)
def reissue_ticket(slug, ticket_id, json_data):
    """New code for the same holder; the old code answers revoked."""
    return changes.reissue(load_event(slug), ticket_id, json_data["reason"], actor())


@bp.post("/events/<slug>/tickets/<int(max=2147483647):ticket_id>/transfer")
@bp.auth_required(**allowed("tickets.change"))
@bp.input(TransferIn)
def transfer_ticket(slug, ticket_id, json_data):
    """New holder and new code; the old code answers revoked."""
    return changes.transfer(load_event(slug), ticket_id, json_data["holder"], json_data["reason"], actor(),
                            supervisor=may("changes.approve"))


@bp.post("/events/<slug>/tickets/<int(max=2147483647):ticket_id>/corrections")
@bp.auth_required(**allowed("tickets.correct"))
@bp.input(CorrectionIn)
def correct_ticket(slug, ticket_id, json_data):
    """Correct the holder's name or company; the code stays valid, a printed badge is due for reprint.

    A change past a correction's bounds needs a supervisor's `approve: true` (403 otherwise).
    """
    return corrections.correct(load_event(slug), ticket_id, json_data["holder"], json_data["reason"], actor(),
                               supervisor=may("changes.approve"), approve=json_data.get("approve", False),
                               seen=json_data.get("before"))


@bp.post("/events/<slug>/tickets/<int(max=2147483647):ticket_id>/block")
@bp.auth_required(**allowed("annul"))
@bp.input(ReasonIn)
def block_ticket(slug, ticket_id, json_data):
    """Block a ticket (supervisor): every gate refuses it with reason `blocked`."""
    return flags.set_blocked(load_event(slug), ticket_id, True, json_data["reason"], actor())


@bp.post("/events/<slug>/tickets/<int(max=2147483647):ticket_id>/unblock")
@bp.auth_required(**allowed("annul"))
@bp.input(ReasonIn)
def unblock_ticket(slug, ticket_id, json_data):
    """Lift a block (supervisor)."""
    return flags.set_blocked(load_event(slug), ticket_id, False, json_data["reason"], actor())
