"""Prebuilt statements run straight on the database driver: the scan path's one way to the database.

SQLAlchemy compiles and types each statement once per dialect: the same SQL,
guards and column conversions as anywhere else. Each call then goes to the
driver's cursor on the connection of the session's transaction, skipping
SQLAlchemy's per-execution work (execution context, events, result objects).
On the scan path that work cost more than the database itself. The scan
path's reads and writes, the live counters and the alerts' insert run here;
everything else uses db.session.execute.
"""
import threading
import weakref
from collections import namedtuple
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .extensions import db

Row = tuple  # a result row: a named tuple of the statement's columns
INSERT = {"sqlite": sqlite_insert, "postgresql": pg_insert}  # each database's INSERT ... ON CONFLICT


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # the bind names, in the order the SQL takes them
    fixed: dict[str, Any]  # values built into the statement (e.g. inside=True)
    binds: tuple[tuple[str, Callable], ...]  # (name, converter) for binds that need converting
    row: type | None  # the named tuple a result row becomes
    results: tuple[Callable | None, ...]  # per-column converters
    positional: bool


class Result:
    """What a run returns: its rows (converted) and how many rows it changed."""

    __slots__ = ("rows", "rowcount")

    def __init__(self, rows: list[Row], rowcount: int):
        self.rows, self.rowcount = rows, rowcount

    def first(self) -> Row | None:
        return self.rows[0] if self.rows else None

    def one(self) -> Row:
        (row,) = self.rows
        return row

    def scalar_one(self):
        return self.one()[0]


_plans: dict[tuple[int, str], _Plan] = {}  # keyed by id(): statements are module constants or cached


def connection(session: Session | None = None) -> Connection:
    """The connection of the session's transaction, beginning one if none is under way."""
    return (session or db.session()).transaction_connection()


def per_database(build: Callable) -> dict[str, Any]:
    """A prebuilt statement for each database, made by build(that database's INSERT construct)."""
    return {name: build(insert) for name, insert in INSERT.items()}


def this_database(statements: dict[str, Any]):
    """The statement of a per_database() set for the session's database."""
    return statements[connection().dialect.name]


def run(statement, /, session: Session | None = None, **params) -> Result:
    """Execute a prebuilt statement with these bind values (none named `session`) in the session's transaction."""
    conn = connection(session)
    return _run_on(conn.connection, conn.dialect, statement, params)


def read(statement, /, **params) -> Result:
    """Run a prebuilt read that never waits for SQLite's writer (the token and gate before every scan).

    On SQLite it runs on the thread's own reading connection, outside any
    transaction (WAL gives the statement a consistent snapshot), so it neither
    queues behind the writer lock nor takes it. Elsewhere reads wait for no
    writer, and it runs in the session's transaction like run().
    """
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return run(statement, **params)
    return _run_on(_reader(engine), engine.dialect, statement, params)


_readers = threading.local()


def _reader(engine):
    """This thread's SQLite connection for reads outside transactions, made once like the pool makes them.

    A pool checkout and return costs twice the token's read; the thread's own
    connection costs nothing after the first. It closes with its engine.
    """
    mine = getattr(_readers, "by_engine", None)
    if mine is None:
        mine = _readers.by_engine = weakref.WeakKeyDictionary()
    conn = mine.get(engine)
    if conn is None:
        fairy = engine.raw_connection()
        fairy.detach()  # the pool's hooks ran on it (WAL, busy timeout, no implicit BEGIN); now it is ours
        conn = mine[engine] = fairy.dbapi_connection
        weakref.finalize(engine, conn.close)
    return conn


def _run_on(dbapi_conn, dialect, statement, params: dict) -> Result:
    plan = _plans.get((id(statement), dialect.name)) or _plan(statement, dialect)
    values = {**plan.fixed, **params} if plan.fixed else params  # params: a fresh dict of this call's own
    for name, convert in plan.binds:
        values[name] = convert(values[name])
    args = list(map(values.__getitem__, plan.names)) if plan.positional else values
    cursor = _execute(dbapi_conn, dialect, plan.sql, args)
    try:
        rows = []
        if plan.row is not None:
            convert = plan.results
            rows = [plan.row._make(raw if f is None else f(raw) for f, raw in zip(convert, r))
                    for r in cursor.fetchall()]
        return Result(rows, cursor.rowcount)
    finally:
        cursor.close()


def _execute(dbapi_conn, dialect, sql: str, params):
    # The driver's errors surface as SQLAlchemy's, as they would through SQLAlchemy.
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(sql, params)
    except dialect.loaded_dbapi.Error as error:
        cursor.close()
        raise DBAPIError.instance(sql, params, error, dialect.loaded_dbapi.Error) from error
    return cursor


def _plan(statement, dialect) -> _Plan:
    compiled = statement.compile(dialect=dialect)
    binds = {compiled.bind_names[b]: b for b in compiled.binds.values()}
    fixed = {name: b.value for name, b in binds.items() if b.value is not None}
    converters = tuple((name, f) for name, b in binds.items()
                       if (f := b.type.dialect_impl(dialect).bind_processor(dialect)) is not None)
    columns = list(statement.exported_columns)
    plan = _Plan(
        sql=compiled.string,
        names=tuple(compiled.positiontup or binds),
        fixed=fixed,
        binds=converters,
        row=namedtuple("Row", [c.key for c in columns], rename=True) if columns else None,
        results=tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns),
        positional=compiled.positional,
    )
    _plans[id(statement), dialect.name] = plan
    return plan
