"""What each transaction changes for the live screens, noted as it happens and handed over at commit.

Scans (counters.count_scan), counter deltas, alerts and "this event's counts
or stock changed" marks collect in `session.info`. Ledger entries are seen
on the connection (they are written through the ORM and through prebuilt
Core statements alike) and counted before the commit. When the outermost
transaction commits, everything goes to the app's hub in one Batch; when it
rolls back or closes, it is forgotten.
"""
from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import LedgerEntry
from . import alerts, counters
from .hub import Batch

DIRTY = "live.dirty"  # session.info key: {event_id: {"counts", "inventory"}}
CONNECTIONS = "live.connections"  # session.info key: the connections this transaction uses
LEDGER_ROWS = "live.ledger_rows"  # connection.info key: ledger entries written in its transaction
_STOCK_ACTIONS = ("type", "channel", "quota", "pool", "hold", "sale", "stock")


def mark(event_id: int, kind: str, session: Session | None = None) -> None:
    """Say this transaction changed an event's `counts` or `inventory` (shown after commit)."""
    (session or db.session).info.setdefault(DIRTY, {}).setdefault(event_id, set()).add(kind)


def _note_ledger(session: Session, rows) -> None:
    counters.count_ledger_rows(session, rows)
    for row in rows:
        if row.get("quantity") or str(row.get("action", "")).split(".")[0] in _STOCK_ACTIONS:
            mark(row["event_id"], "inventory", session)


# Ledger entries are written through the ORM and through prebuilt Core statements alike; the
# connection sees both. Rows are kept on the connection until the session's commit collects them.
@sa_event.listens_for(Engine, "after_execute")
def _ledger_rows(conn, clause, multiparams, params, _options, _result) -> None:
    table = getattr(clause, "table", None)
    if getattr(table, "name", None) == LedgerEntry.__tablename__ and getattr(clause, "is_insert", False):
        conn.info.setdefault(LEDGER_ROWS, []).extend(multiparams or ([params] if params else []))


@sa_event.listens_for(Session, "after_begin")
def _began(session: Session, _transaction, connection) -> None:
    known = session.info.setdefault(CONNECTIONS, [])
    if connection not in known:  # a savepoint begins on the connection its transaction already has
        connection.info.pop(LEDGER_ROWS, None)  # left by a transaction that rolled back
        known.append(connection)


@sa_event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.new:
        session.flush()  # ledger entries added just now are written (and seen) before their counts
    for connection in session.info.get(CONNECTIONS, ()):
        rows = connection.info.pop(LEDGER_ROWS, None)
        if rows:
            _note_ledger(session, rows)
    counters.apply_pending(session)
    for event_id in session.info.pop(counters.TOUCHED, ()):
        mark(event_id, "counts", session)


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction may still roll back
    info = session.info
    scans, dirty, raised = info.pop(counters.SCANS, None), info.pop(DIRTY, None), info.pop(alerts.ALERTS, None)
    if not (scans or dirty or raised):
        return
    hub = current_app.extensions.get("live")
    if hub is not None:
        hub.submit(Batch(scans=[(s[0].event_id, s) for s in scans or ()], dirty=dirty or {},
                         alerts=raised or []))


@sa_event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # rolled back or closed: what it noted never happened
        for key in (counters.PENDING, counters.TOUCHED, counters.SCANS, DIRTY, alerts.ALERTS, CONNECTIONS):
            session.info.pop(key, None)

