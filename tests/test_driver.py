"""The scan path's statements run straight on the driver read exactly what SQLAlchemy reads."""
import pytest
from sqlalchemy.exc import IntegrityError

from checkin import driver
from checkin.extensions import db
from checkin.gate import queries as q
from checkin.models import Event, Scan
from checkin.tickets import codes
from helpers import NOW, Api


@pytest.fixture
def scanned(app, client, token, make_event, issue):
    """An event where one ticket entered at north and a code was refused at south."""
    make_event()
    gate = Api(client, token("gate", "ev"))
    t = issue()[0]
    assert gate.post("/api/v1/events/ev/scans", {"code": t["code"], "gate": "north", "nonce": "n-1"}).json["status"] \
        == "ok"
    assert gate.post("/api/v1/events/ev/scans", {"code": "JUNK", "gate": "south"}).json["reason"] == "invalid"
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id))
        scan_ids = db.session.scalars(db.select(Scan.id).order_by(Scan.id)).all()
    return {"event_id": event_id, "ticket": t, "scan_ids": scan_ids}


def _both(statement, **params):
    """The rows as SQLAlchemy reads them and as the driver path reads them."""
    ours = driver.run(statement, **params).rows
    db.session.rollback()
    theirs = db.session.execute(statement, params).all()
    db.session.rollback()
    return ours, theirs


def test_rows_equal_sqlalchemys_in_values_types_and_names(app, scanned):
    serial = codes.peek(scanned["ticket"]["code"]).serial
    ticket_id = scanned["ticket"]["id"]
    cases = [
        (q.GATE, {"slug": "ev", "code": "north"}),
        (q.TICKET_BY_SERIAL, {"event_id": scanned["event_id"], "serial": serial, "since": NOW.replace(year=2000)}),
        (q.SCAN_BY_ID, {"scan_id": scanned["scan_ids"][0]}),
        (q.SCAN_BY_ID, {"scan_id": scanned["scan_ids"][1]}),  # nulls: no ticket, no nonce
        (q.SCAN_BY_NONCE, {"event_id": scanned["event_id"], "nonce": "n-1"}),
        (q.ADMISSION, {"key_ticket": ticket_id, "key_zone": "hall"}),
    ]
    with app.app_context():
        for statement, params in cases:
            ours, theirs = _both(statement, **params)
            assert len(ours) == len(theirs) == 1, statement
            assert tuple(ours[0]) == tuple(theirs[0])
            assert [type(v) for v in ours[0]] == [type(v) for v in theirs[0]]
            assert ours[0]._fields == tuple(theirs[0]._fields)
        gate = driver.run(q.GATE, slug="ev", code="north").first()
        assert gate.admits == ["GA", "VIP"] and gate.reentry is True and gate.opens_at is None
        db.session.rollback()


def test_writes_fill_in_the_values_built_into_the_statement(app, scanned):
    ticket_id = scanned["ticket"]["id"]
    with app.app_context():
        assert driver.run(q.LEAVE, key_ticket=ticket_id, key_zone="hall", now=NOW).rowcount == 1
        assert driver.run(q.LEAVE, key_ticket=ticket_id, key_zone="hall", now=NOW).rowcount == 0  # guarded
        assert driver.run(q.ADMIT_AGAIN, key_ticket=ticket_id, key_zone="hall", now=NOW).rowcount == 1
        db.session.commit()
        row = db.session.execute(db.text("SELECT inside, entries FROM admissions")).one()
        assert (bool(row.inside), row.entries) == (True, 2)  # inside=True and entries + 1 come from the statement


def test_a_driver_error_is_sqlalchemys_and_leaves_the_session_usable(app, scanned):
    answer = {"status": "ok"}
    row = dict(event_id=scanned["event_id"], gate_id=1, ticket_id=None, code="X", device="d", direction="in",
               nonce="n-1", scanned_at=None, at=NOW, status="ok", reason=None, offline=False, forced=False,
               manual=False, actor=None, note=None, answer=answer)
    with app.app_context():
        with pytest.raises(IntegrityError):
            driver.run(q.INSERT_SCAN, **row)  # the nonce is taken
        db.session.rollback()
        new_id = driver.run(q.INSERT_SCAN, **{**row, "nonce": "n-2"}).scalar_one()
        db.session.commit()
        assert db.session.get(Scan, new_id).answer == answer


def test_the_connection_is_the_one_of_the_transaction_under_way(app, scanned):
    with app.app_context():
        session = db.session()
        driver.run(q.GATE, slug="ev", code="north")
        assert driver.connection() is session.connection()
        savepoint = session.begin_nested()
        assert driver.connection() is session.connection()  # a savepoint runs on its transaction's connection
        savepoint.commit()
        db.session.commit()
        driver.run(q.GATE, slug="ev", code="north")
        assert driver.connection() is session.connection()  # the next transaction's, not the one that ended
        session.get_transaction().rollback()  # ended without the session's rollback(): still not reused
        assert driver.connection() is session.connection()
        db.session.rollback()
