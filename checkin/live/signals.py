"""Hook point for announcing box-office changes live: signals sent after commit.

The live layer (or anything else) subscribes without this code knowing it:

    from checkin.stock_signals import stock_changed
    stock_changed.connect(on_stock_changed)   # on_stock_changed(event_id, cause=..., types=[...])

`stock_changed` fires once per committed transaction that moved stock or
changed a ticket through a sale, hold, upgrade, buffer release or quota move,
with the sender the event's id, `cause` such as "sale.confirmed",
"hold.expired" or "ticket.upgrade", and `types` the ticket type codes whose
inventory changed. It fires after COMMIT returns, so a receiver never
announces what a rollback undid; receivers run on the committing thread and
must not use the database session (it is between transactions): read the
inventory in a task of their own.
"""
from blinker import Namespace
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

_signals = Namespace()
stock_changed = _signals.signal("stock-changed")

_PENDING = "stock_signals.pending"


def after_commit(event_id: int, cause: str, types: list[str]) -> None:
    """Queue a stock_changed signal for when the current transaction commits."""
    from ..extensions import db

    db.session.info.setdefault(_PENDING, []).append((event_id, cause, list(types)))


@sa_event.listens_for(Session, "after_commit")
def _send(session: Session) -> None:
    for event_id, cause, types in session.info.pop(_PENDING, ()):
        stock_changed.send(event_id, cause=cause, types=types)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:  # a savepoint's rollback leaves the outer work standing
        session.info.pop(_PENDING, None)
