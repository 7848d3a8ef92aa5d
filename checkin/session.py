"""The app's database session: each transaction's consequences in one Outbox, its connection at hand.

Services put what follows from their writes in `session.outbox` (live/outbox.py)
as they make them. commit() has the counter deltas written in the same
transaction just before COMMIT, then hands the rest to the live hub;
rollback() and close() drop it, so nothing uncommitted is ever counted or
shown. A savepoint commits on its SessionTransaction, never through
commit(), so it hands nothing over while the outer transaction may still
roll back. For the same reason the app never ends a transaction with a
`with session.begin():` block: begin() refuses to start one.
"""
from flask import current_app
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Connection
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import SessionTransaction

from .live.outbox import Outbox


class Session(FlaskSession):
    """db.session's class: an Outbox per transaction, written and handed on at commit, dropped otherwise."""

    def __init__(self, db, **kwargs):
        super().__init__(db, **kwargs)
        self.outbox = Outbox()
        self._connection: Connection | None = None
        self._connection_of: SessionTransaction | None = None  # the transaction `_connection` belongs to

    def transaction_connection(self) -> Connection:
        """The connection of the transaction under way, beginning one if none is.

        Session.connection() walks the transaction machinery on every call and
        a scan asks five times, so the answer is kept for the transaction.
        """
        root = self.get_transaction()
        if root is None or root is not self._connection_of:
            self._connection = self.connection()
            self._connection_of = self.get_transaction()
        return self._connection

    def commit(self) -> None:
        """Write the transaction's counter deltas, commit, then hand what it noted to the live hub."""
        outbox = self.outbox
        try:
            if outbox.counters is not None and self.is_active:
                self.flush()  # every other row first and the counters last: one lock order for all writers
                outbox.counters.write(self)
                outbox.counters = None
            super().commit()
        except BaseException:
            self._forget()  # not committed: what it noted never happened
            raise
        self._connection = self._connection_of = None
        if outbox.news():
            self.outbox = Outbox()
            hub = current_app.extensions.get("live")
            if hub is not None:
                hub.submit(outbox)

    def rollback(self) -> None:
        """Roll back the whole transaction (savepoints included) and drop what it noted."""
        self._forget()
        super().rollback()

    def close(self) -> None:
        """End the session's transaction, if any, dropping what it noted."""
        self._forget()
        super().close()

    def reset(self) -> None:
        """Like close(): the transaction ends and what it noted is dropped."""
        self._forget()
        super().reset()

    def invalidate(self) -> None:
        """Close with the connections invalidated; what the transaction noted is dropped."""
        self._forget()
        super().invalidate()

    def begin(self, nested: bool = False) -> SessionTransaction:
        """Begin a savepoint (begin_nested); a transaction of its own would commit past commit()."""
        if not nested:
            raise InvalidRequestError("transactions begin by themselves and end with commit() or rollback(), "
                                      "which write and hand over what they noted")
        return super().begin(nested=True)

    def _forget(self) -> None:
        if self.outbox.counters is not None or self.outbox.news():
            self.outbox = Outbox()
        self._connection = self._connection_of = None
