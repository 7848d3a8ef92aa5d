"""The gate pack on the wire: format 2 says what format 1 says, compressed as asked, ETag and 304."""
import gzip
import json
import threading
import time

import brotli
from sqlalchemy import event, update

from checkin.extensions import db
from checkin.models import Ticket
from checkin.tickets import codes
from helpers import Api, run_together
from scanner.gate_pack import tickets_of

PACK = "/api/v1/events/ev/gate-pack?gate=north"


def gate_get(gate: Api, path: str, headers: dict | None = None):
    """GET with the gate's token and these headers (the token's own if none)."""
    return gate.client.get(path, headers=headers or gate.headers)


def _mixed_event(make_event, issue, admin) -> list[dict]:
    """Tickets of two types, with and without foreign barcodes, one void, one blocked, one transferred."""
    make_event()
    tickets = issue(n=3) + issue(type="VIP", barcode="EXT-VIP") + issue(barcode="48151623") + issue(n=2)
    assert admin.post(f"/api/v1/events/ev/tickets/{tickets[1]['id']}/void", {"reason": "refund"}).status_code == 200
    assert admin.post(f"/api/v1/events/ev/tickets/{tickets[4]['id']}/transfer",
                      {"holder": {"name": "Nadia New"}, "reason": "gift"}).status_code == 200
    return tickets


def test_format_2_carries_what_format_1_does(client, token, admin, make_event, issue):
    _mixed_event(make_event, issue, admin)
    gate = Api(client, token("gate", "ev"))
    for names in (False, True):
        assert admin.patch("/api/v1/events/ev", {"gate_pack_names": names}).status_code == 200
        old, new = gate_get(gate, PACK).json, gate_get(gate, f"{PACK}&format=2").json
        assert "version" not in old and new["version"] == 2
        assert tickets_of(new) == sorted(old["tickets"], key=lambda t: t["serial"])
        assert {k: v for k, v in new.items() if k not in ("tickets", "states", "type_codes", "version")} == \
            {k: v for k, v in old.items() if k != "tickets"}
        assert ("name" in new["tickets"]) is names
    assert new["states"][0] == "valid" and "void" in new["states"], "the common state is index 0"
    assert len(json.dumps(new)) < len(json.dumps(old)) * 0.7


def test_the_incremental_pack_in_format_2_lists_only_what_changed(client, token, admin, make_event, issue):
    tickets = _mixed_event(make_event, issue, admin)
    gate = Api(client, token("gate", "ev"))
    whole = gate_get(gate, f"{PACK}&format=2").json
    assert admin.post(f"/api/v1/events/ev/tickets/{tickets[5]['id']}/void", {"reason": "refund"}).status_code == 200
    delta = gate_get(gate, f"{PACK}&format=2&since={whole['cursor']}").json
    assert delta["incremental"] and delta["cursor"] > whole["cursor"]
    assert [(t["serial"], t["state"]) for t in tickets_of(delta)] == [(codes.peek(tickets[5]["code"]).serial, "void")]


def test_the_pack_is_compressed_as_the_client_accepts(client, token, admin, make_event, issue):
    _mixed_event(make_event, issue, admin)
    gate = Api(client, token("gate", "ev"))
    plain = gate_get(gate, f"{PACK}&format=2")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    unpack = {"gzip": gzip.decompress, "br": brotli.decompress}
    tags = {plain.headers["ETag"]}
    for asked, coding in [("gzip", "gzip"), ("gzip, deflate, br", "br"), ("br;q=0, gzip", "gzip"),
                          ("gzip;q=0.5, br", "br"), ("deflate", None), ("identity", None)]:
        r = gate_get(gate, f"{PACK}&format=2", headers={**gate.headers, "Accept-Encoding": asked})
        assert r.status_code == 200 and r.headers.get("Content-Encoding") == coding, asked
        assert r.headers["Vary"] == "Accept-Encoding" and "no-cache" in r.headers["Cache-Control"]
        assert (unpack[coding](r.data) if coding else r.data) == plain.data, asked
        if coding:
            assert len(r.data) < len(plain.data) * 0.8
        tags.add(r.headers["ETag"])
    # A strong ETag names exact bytes: one per coding, none weak, all of one pack.
    assert len(tags) == 3 and not any(t.startswith("W/") for t in tags)
    assert len({t.strip('"').split("-")[0] for t in tags}) == 1


def test_an_unchanged_pack_is_a_304_without_a_body(client, token, admin, make_event, issue):
    tickets = _mixed_event(make_event, issue, admin)
    gate = Api(client, token("gate", "ev"))
    gzipped = {**gate.headers, "Accept-Encoding": "gzip"}
    first = gate_get(gate, f"{PACK}&format=2", headers=gzipped)
    etag = first.headers["ETag"]
    again = gate_get(gate, f"{PACK}&format=2", headers={**gzipped, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert again.headers["Vary"] == "Accept-Encoding"
    assert gate_get(gate, f"{PACK}&format=2", headers={**gzipped, "If-None-Match": f'"x", {etag}'}).status_code == 304
    assert gate_get(gate, f"{PACK}&format=2", headers={**gzipped, "If-None-Match": "*"}).status_code == 304
    # The same pack in other bytes (not gzipped, or format 1) is not what the client holds.
    assert gate_get(gate, f"{PACK}&format=2", headers={**gate.headers, "If-None-Match": etag}).status_code == 200
    assert gate_get(gate, PACK, headers={**gzipped, "If-None-Match": etag}).status_code == 200
    # A change anywhere in the pack is a new ETag: a ticket, and the gate's own rules.
    assert admin.post(f"/api/v1/events/ev/tickets/{tickets[0]['id']}/void", {"reason": "refund"}).status_code == 200
    changed = gate_get(gate, f"{PACK}&format=2", headers={**gzipped, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    etag = changed.headers["ETag"]
    r = admin.patch("/api/v1/events/ev/gates/north", {"reentry": True})
    assert r.status_code == 200, r.json
    assert gate_get(gate, f"{PACK}&format=2", headers={**gzipped, "If-None-Match": etag}).status_code == 200


def test_the_incremental_fetch_is_a_304_until_something_changes(client, token, admin, make_event, issue):
    tickets = _mixed_event(make_event, issue, admin)
    gate = Api(client, token("gate", "ev"))
    cursor = gate_get(gate, f"{PACK}&format=2").json["cursor"]
    delta = gate_get(gate, f"{PACK}&format=2&since={cursor}")
    assert delta.json["tickets"]["count"] == 0
    tagged = {**gate.headers, "If-None-Match": delta.headers["ETag"]}
    assert gate_get(gate, f"{PACK}&format=2&since={cursor}", headers=tagged).status_code == 304
    assert admin.post(f"/api/v1/events/ev/tickets/{tickets[0]['id']}/void", {"reason": "refund"}).status_code == 200
    changed = gate_get(gate, f"{PACK}&format=2&since={cursor}", headers=tagged)
    assert changed.status_code == 200 and changed.json["tickets"]["count"] == 1


def test_an_unknown_format_is_refused_naming_it(client, token, make_event):
    make_event()
    gate = Api(client, token("gate", "ev"))
    for bad in ("3", "0", "x", "-1"):
        r = gate_get(gate, f"{PACK}&format={bad}")
        assert r.status_code in (400, 422) and "format" in json.dumps(r.json), (bad, r.json)


def test_tablets_asking_at_once_share_one_build(app, client, token, admin, make_event, issue):
    """Ten tablets fetching the whole pack at the same instant read the tickets once, and get the same bytes;
    a change makes the next fetch read them again."""
    tickets = _mixed_event(make_event, issue, admin)
    bearer = token("gate", "ev")
    reads = []

    def count_ticket_reads(conn, cursor, statement, *args):
        if "FROM tickets JOIN ticket_types" in statement and "ORDER BY tickets.serial" in statement:
            reads.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count_ticket_reads)
    try:
        def fetch(_i):
            r = app.test_client().get(f"{PACK}&format=2", headers={"Authorization": f"Bearer {bearer}",
                                                                   "Accept-Encoding": "gzip"})
            return r.status_code, r.headers["ETag"], r.data

        answers = run_together(10, fetch)
        assert {status for status, _, _ in answers} == {200} and len({(tag, body) for _, tag, body in answers}) == 1
        assert len(reads) == 1, "one build for ten tablets"
        void = admin.post(f"/api/v1/events/ev/tickets/{tickets[0]['id']}/void", {"reason": "refund"})
        assert void.status_code == 200
        status, etag, _body = fetch(0)
        assert status == 200 and etag != answers[0][1] and len(reads) == 2
    finally:
        event.remove(engine, "before_cursor_execute", count_ticket_reads)


def test_building_a_pack_neither_waits_for_nor_holds_up_a_writer(app, client, token, admin, make_event, issue):
    """A pack only reads: on SQLite it takes no turn at the writer lock, so a long write (a scan, a sale)
    does not hold it up, and its own long read of every ticket would not hold up scans."""
    tickets = _mixed_event(make_event, issue, admin)
    gate = Api(client, token("gate", "ev"))
    writing, done = threading.Event(), threading.Event()

    def long_write():
        with app.app_context():
            db.session.execute(update(Ticket).where(Ticket.id == tickets[0]["id"]).values(notes="being written"))
            writing.set()
            done.wait(30)
            db.session.rollback()

    writer = threading.Thread(target=long_write)
    writer.start()
    try:
        assert writing.wait(10)
        started = time.monotonic()
        r = gate_get(gate, f"{PACK}&format=2")
        assert r.status_code == 200 and r.json["tickets"]["count"] == len(tickets)
        assert time.monotonic() - started < 2, "the pack waited for the writer"
    finally:
        done.set()
        writer.join()
