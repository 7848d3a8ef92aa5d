"""What a walk-in takes away: the ticket's QR for the screen, and a ticket to print (PDF)."""
import io
from functools import cache
from pathlib import Path

import segno

import badges

from ..errors import Conflict
from ..models import Event, Ticket
from ..printing.jobs import render_badges
from .records import current_code


@cache
def _layout() -> badges.Layout:
    # A badge layout document, so the holder's name prints in any script, as on badges.
    return badges.load_layout(Path(__file__).with_name("ticket_layout.json"))


def qr_svg(ticket: Ticket) -> bytes:
    """The ticket's current code as an SVG QR, large enough to photograph from a screen."""
    _check_usable(ticket)
    out = io.BytesIO()
    segno.make_qr(current_code(ticket), error="m").save(out, kind="svg", scale=10, border=4)
    return out.getvalue()


def ticket_pdf(event: Event, ticket: Ticket) -> bytes:
    """An A6 ticket: event, holder, type, the QR and the serial."""
    _check_usable(ticket)
    data = badges.BadgeData(name=ticket.holder_name, type_name=ticket.type.name, event_name=event.name,
                            serial=f"Ticket #{ticket.serial}", code=current_code(ticket))
    return render_badges([data], _layout(), None)


def _check_usable(ticket: Ticket) -> None:
    if ticket.state != "valid":
        why = "payment is pending" if ticket.state == "pending" else "it was cancelled"
        raise Conflict(f"ticket {ticket.id} cannot be handed over: {why}", {"ticket": [f"state {ticket.state}"]})
