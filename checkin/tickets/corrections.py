"""Corrections of a holder's details that do not change who may enter: the code stays valid.

A transfer gives a ticket to someone else and revokes the code; a
correction fixes how the same person is written (a misspelt name, the
company) and keeps the code, so it must stay small. Each field has a bound
on how far a correction may move it (`limits.py`); past it a supervisor must
approve (`approve: true` from a supervisor's token), so a correction cannot
quietly become a transfer. The change is a compare-and-set on the values
read (and the generation), so two desks correcting one ticket at once
cannot both win, and a transfer committing first refuses the correction. A
printed badge shows the old spelling: it is marked for reprint.
"""
from sqlalchemy import select, update

from ..branding.reprints import CORRECTED, mark_ticket
from ..errors import Conflict, Forbidden, Invalid
from ..extensions import db
from ..models import Event, Ticket
from ..stock.ledger import journal
from .limits import FIELDS, beyond_correction
from .records import detail, get_ticket

ACTION = "ticket.correct"


def correct(event: Event, ticket_id: int, holder: dict, reason: str, actor: str, *,
            supervisor: bool = False, approve: bool = False, seen: dict | None = None) -> dict:
    """Change the holder's name or company in place; answers the ledger entry and the ticket."""
    ticket = get_ticket(event, ticket_id)
    if ticket.state == "void":
        raise Conflict("a void ticket cannot be corrected", {"ticket": ["void"]})
    before = {field: getattr(ticket, column) for field, column in FIELDS.items()}
    _check_seen(before, seen or {})
    after = {**before, **{field: _tidy(value) for field, value in holder.items()}}
    changed = {field: after[field] for field in FIELDS if after[field] != before[field]}
    if not changed:
        raise Invalid("these are the holder's details already; nothing to correct",
                      {"holder": ["no change"]})
    too_far = {f"holder.{field}": [why] for field in changed
               if (why := beyond_correction(field, before[field], after[field]))}
    approval = _approval(too_far, supervisor, approve, actor)
    _compare_and_set(ticket, before, changed)
    # Read after the update holds the row: a print that committed first is counted.
    reprint = db.session.scalar(select(Ticket.badge_prints).where(Ticket.id == ticket.id)) > 0
    if reprint:
        mark_ticket(ticket, CORRECTED)
    journal(event.id, actor, ACTION, ticket_id=ticket.id, reason=reason,
            before={field: before[field] for field in changed},
            after={**changed, **approval, "badge": "reprint due" if reprint else "not printed yet"})
    db.session.commit()
    ticket = db.session.get(Ticket, ticket.id, populate_existing=True)
    return {"correction": {"before": {f: before[f] for f in changed}, "after": changed,
                           "approved_by": approval.get("approved_by"), "reprint": reprint},
            "ticket": detail(ticket)}


def _tidy(value: str | None) -> str | None:
    """Inner runs of spaces become one, ends are trimmed; an empty company is no company."""
    if value is None:
        return None
    return " ".join(value.split()) or None


def _check_seen(before: dict, seen: dict) -> None:
    """The details the clerk looked at must still be the ticket's: else they correct something else."""
    moved = {f"before.{field}": ["changed meanwhile; reload"] for field, value in seen.items()
             if _tidy(value) != _tidy(before[field])}
    if moved:
        db.session.rollback()
        raise Conflict("the holder's details changed since you looked; reload and check again", moved)


def _approval(too_far: dict, supervisor: bool, approve: bool, actor: str) -> dict:
    """Nothing for a correction within bounds; a supervisor's explicit approval for one beyond them."""
    if not too_far:
        return {}
    if not supervisor:
        db.session.rollback()
        raise Forbidden("this is more than a correction: a supervisor must approve it, or make it a transfer",
                        too_far, reason="supervisor")
    if not approve:
        db.session.rollback()
        raise Forbidden("this is more than a correction: approve it as supervisor (approve: true)",
                        {**too_far, "approve": ["required for a change this large"]}, reason="approve")
    return {"approved_by": actor, "approved": sorted(too_far)}


def _compare_and_set(ticket: Ticket, before: dict, changed: dict) -> None:
    guards = [getattr(Ticket, column).is_not_distinct_from(before[field]) for field, column in FIELDS.items()]
    done = db.session.execute(update(Ticket).where(
        Ticket.id == ticket.id, Ticket.generation == ticket.generation, Ticket.state != "void", *guards,
    ).values({FIELDS[field]: value for field, value in changed.items()})
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        raise Conflict("the ticket changed meanwhile; reload and try again", {"ticket": ["changed meanwhile"]})
