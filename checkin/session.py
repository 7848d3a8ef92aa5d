"""The app's database session: the connection of its transaction at hand.

The scan path runs its statements straight on the driver (driver.py), on the
connection of the session's transaction; the session keeps that connection
for the transaction instead of a listener on SQLAlchemy's Session class
noting it for every session in the process.
"""
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Connection
from sqlalchemy.orm import SessionTransaction


class Session(FlaskSession):
    """db.session's class: keeps the connection of the transaction under way."""

    def __init__(self, db, **kwargs):
        super().__init__(db, **kwargs)
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
