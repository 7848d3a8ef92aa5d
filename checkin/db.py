"""Engine behaviour that the invariants rely on.

SQLite: WAL so readers never block the writer, a busy timeout so writers wait
instead of failing, and BEGIN IMMEDIATE so a transaction takes the write lock
before it reads: a guarded read-then-write can then never interleave with
another writer (the classic "database is locked" upgrade deadlock disappears).
Inside the process writers queue on a lock, for at most SQLITE_WRITER_WAIT_SECONDS:
past that the transaction fails as busy (a 503 with Retry-After), never hangs.
"""
import threading
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db


def init_db(app: Flask) -> None:
    """Attach the SQLite connection and transaction hooks to this app's engine."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"], float(app.config["SQLITE_WRITER_WAIT_SECONDS"]))


_patience = threading.local()  # this thread's own bound on the writer wait, if waiting_for_writer() set one
_reading = threading.local()  # set by reading_only(): this thread's transactions only read


@contextmanager
def reading_only():
    """Within this block, this thread's SQLite transactions begin as plain reads: no writer lock taken or waited for.

    For long reads that write nothing (a gate pack reads every ticket of an event, a second at 100,000):
    holding the writer lock that long would stop every scan meanwhile. WAL gives the transaction one
    snapshot from its first read to its end; a write in it would fail, so none may be made.
    """
    before = getattr(_reading, "on", False)
    _reading.on = True
    try:
        yield
    finally:
        _reading.on = before


@contextmanager
def waiting_for_writer(seconds: float):
    """Within this block, this thread's SQLite transactions wait at most `seconds` for the writer (0: not at all)."""
    before = getattr(_patience, "seconds", None)
    _patience.seconds = seconds
    try:
        yield
    finally:
        _patience.seconds = before


def _configure_sqlite(engine: Engine, busy_ms: int, writer_wait: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # transactions are begun explicitly below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    _serialise_writers(engine.dialect, writer_wait)


def _serialise_writers(dialect, wait: float) -> None:
    """One writer at a time inside this process, each waiting at most `wait` seconds for its turn.

    Threads queue on a lock and wake the moment the previous COMMIT returns,
    instead of polling SQLite's busy handler with growing sleeps; other
    processes still wait on the busy timeout.
    """
    writer = threading.Lock()
    holders: set[int] = set()
    busy = dialect.loaded_dbapi.OperationalError

    def do_begin(dbapi_conn):
        if getattr(_reading, "on", False):
            dbapi_conn.execute("BEGIN")  # deferred: a read snapshot, never the write lock
            return
        patience = getattr(_patience, "seconds", None)
        limit = wait if patience is None else patience
        if not writer.acquire(timeout=limit):
            raise busy(f"database is busy: no turn to write within {limit:g} s")
        try:
            dbapi_conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            writer.release()
            raise
        holders.add(id(dbapi_conn))

    def finish(end):
        def do_end(dbapi_conn):
            try:
                end(dbapi_conn)
            finally:
                if id(dbapi_conn) in holders:
                    holders.discard(id(dbapi_conn))
                    writer.release()
        return do_end

    dialect.do_begin = do_begin
    dialect.do_commit = finish(lambda c: c.commit())
    dialect.do_rollback = finish(lambda c: c.rollback())
