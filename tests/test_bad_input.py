"""No input, however malformed, yields a 500 or changes anything.

Every endpoint gets malformed JSON, wrong types, huge strings, unknown
fields, control characters and binary junk; each answer must be a 4xx
problem+json and the database must be exactly as before.
"""
import json

import pytest
from sqlalchemy import select

from checkin.extensions import db

TICKET = {"type": "GA", "holder": {"name": "Ann", "email": "ann@example.org", "company": "Acme"},
          "external_id": "x-1", "barcode": "BC-1", "state": "valid"}

# method, path, a valid body (None for GET)
ENDPOINTS = [
    ("POST", "/api/v1/events", {"slug": "new", "name": "New", "timezone": "UTC",
                                "starts_at": "2030-01-01T09:00:00+00:00", "ends_at": "2030-01-02T09:00:00+00:00",
                                "capacity": 10}),
    ("POST", "/api/v1/events/ev/ticket-types", {"code": "T2", "name": "Two", "capacity": 5, "badge_type": "General",
                                                "zones": ["hall"]}),
    ("PATCH", "/api/v1/events/ev/ticket-types/GA", {"capacity": 50, "buffer": 2, "frozen": True}),
    ("POST", "/api/v1/events/ev/channels", {"code": "web", "name": "Web", "allocations": {"GA": 3}}),
    ("PATCH", "/api/v1/events/ev/channels/box", {"name": "Box", "allocations": {"GA": 2}}),
    ("POST", "/api/v1/events/ev/gates", {"code": "east", "name": "East", "zone": "hall", "admits": ["GA"],
                                         "direction": "in", "reentry": False,
                                         "opens_at": "2030-01-01T08:00:00+00:00"}),
    ("PATCH", "/api/v1/events/ev/gates/north", {"name": "North", "reentry": False}),
    ("POST", "/api/v1/events/ev/tickets", {"tickets": [TICKET]}),
    ("POST", "/api/v1/events/ev/scans", {"code": "{code}", "gate": "north", "direction": "in", "nonce": "n1",
                                         "scanned_at": "2030-01-01T09:00:00+00:00", "offline": False,
                                         "device": "d1"}),
    ("POST", "/api/v1/events/ev/scans", {"ticket_id": "{ticket}", "gate": "north", "note": "phone died",
                                         "nonce": "m1", "device": "d1"}),
    ("POST", "/api/v1/events/ev/scans/batch", {"scans": [{"code": "{code}", "gate": "north", "nonce": "b1",
                                                           "offline": True}]}),
    ("POST", "/api/v1/events/ev/scans/batch", {"scans": [{"ticket_id": "{ticket}", "gate": "north", "nonce": "b2",
                                                           "note": "by hand", "offline": True}]}),
    ("POST", "/api/v1/events/ev/scans/{scan}/annul", {"reason": "mistake"}),
    ("POST", "/api/v1/events/ev/tickets/{ticket}/void", {"reason": "refund"}),
    ("POST", "/api/v1/events/ev/tickets/{ticket}/reissue", {"reason": "lost"}),
    ("POST", "/api/v1/events/ev/tickets/{ticket}/block", {"reason": "fraud check"}),
    ("POST", "/api/v1/events/ev/tickets/{ticket}/transfer", {"holder": {"name": "Bo"}, "reason": "gift"}),
    ("POST", "/api/v1/events/ev/pairing-codes", {"role": "gate", "gate": "north", "name": "North tablet",
                                                 "minutes": 5, "token_expires_in": "12h"}),
    ("POST", "/api/v1/pair", {"code": "ABCD-EFGH"}),
]

JUNK_BODIES = [b"{bad json", b"\x00\xff\xfe\x80binary", b"[1, 2, 3]", b'"a string"', b"null", b"12",
               b'{"a": ' * 200 + b"1" + b"}" * 200]


def wrong_types(body: dict):
    """The body with one field at a time given a value of the wrong type."""
    for key, value in body.items():
        for bad in _wrong_values(value):
            yield {**body, key: bad}


def _wrong_values(value):
    if isinstance(value, bool):
        return ["maybe", [], {"a": 1}]
    if isinstance(value, int):
        return ["ten", -1, 10**30, 1.5, True]
    if isinstance(value, str):
        return [123, ["x"], {"x": 1}, "x" * 100_000, "\x00\x01\x02junk", "\ud800", "\x1b[31m"]
    if isinstance(value, list):
        return ["x", {"a": 1}, [None], [123], ["x" * 5000] * 3]
    if isinstance(value, dict):
        return ["x", [1], {"": 1}, {k: None for k in value} or {"x": 1}]
    return ["x"]


def snapshot() -> dict:
    """Every row of every table: the strictest "nothing changed" there is."""
    return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
            for table in db.metadata.sorted_tables}


@pytest.fixture
def seeded(app, admin, make_event, issue):
    make_event(channels=[{"code": "box", "name": "Box office", "allocations": {"GA": 5}}])
    ticket = issue()[0]
    scanned = admin.post("/api/v1/events/ev/scans", {"code": ticket["code"], "gate": "north"}).json
    return {"code": ticket["code"], "ticket": ticket["id"], "scan": scanned["scan"]["id"]}


def assert_refused(r, what):
    assert 400 <= r.status_code < 500, (what, r.status_code, r.get_data()[:300])
    assert r.content_type == "application/problem+json", (what, r.content_type)
    body = r.get_json(force=True)
    assert body["status"] == r.status_code and body["title"] and body["detail"], what


@pytest.mark.parametrize("method,path,body", ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
def test_bad_bodies_are_refused_and_change_nothing(app, admin, seeded, method, path, body):
    path = path.format(**seeded)
    body = json.loads(json.dumps(body).replace("{code}", seeded["code"]).replace('"{ticket}"', str(seeded["ticket"])))
    with app.app_context():
        before = snapshot()
    send = {"POST": admin.client.post, "PATCH": admin.client.patch}[method]
    for raw in JUNK_BODIES:
        r = send(path, data=raw, headers={**admin.headers, "Content-Type": "application/json"})
        assert_refused(r, raw[:20])
    r = send(path, data=b"code=x", headers={**admin.headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert_refused(r, "form body")
    for bad in [*wrong_types(body), {**body, "unexpected": 1}, {}]:
        r = send(path, json=bad, headers=admin.headers)
        if r.status_code < 400:
            pytest.fail(f"{method} {path} accepted {str(bad)[:200]}: {r.status_code}")
        assert_refused(r, str(bad)[:100])
    with app.app_context():
        assert snapshot() == before


def test_bad_ticket_rows_are_named(admin, seeded):
    rows = [TICKET, {**TICKET, "external_id": "x-2", "barcode": "BC-2", "type": 7},
            {**TICKET, "external_id": "x-3", "barcode": "BC-3", "holder": {"name": ""}}]
    r = admin.post("/api/v1/events/ev/tickets", {"tickets": rows})
    assert r.status_code == 422
    assert set(r.json["errors"]) == {"tickets.1.type", "tickets.2.holder.name"}


BAD_GETS = [
    "/api/v1/events/ev/tickets", "/api/v1/events/ev/tickets?q=", "/api/v1/events/ev/tickets?q=%00%00%00",
    "/api/v1/events/ev/tickets?q=" + "x" * 5000,
    "/api/v1/events/ev/checkin/search", "/api/v1/events/ev/checkin/search?q=ab",
    "/api/v1/events/ev/checkin/search?q=%00%00%00", "/api/v1/events/ev/checkin/search?q=" + "x" * 5000,
    "/api/v1/events/nope/checkin/search?q=Guest",
    "/api/v1/events/ev/tickets/99999999999999999999", "/api/v1/events/ev/tickets/-1",
    "/api/v1/events/ev/tickets/abc", "/api/v1/events/nope/counts", "/api/v1/events/%00/inventory",
    "/api/v1/events/" + "x" * 3000 + "/counts", "/api/v1/nothing-here",
    "/api/v1/events/ev/scans/99999999999999999999/annul",
    "/api/v1/events/ev/gate-pack", "/api/v1/events/ev/gate-pack?gate=nope",
    "/api/v1/events/ev/gate-pack?gate=north&since=-1", "/api/v1/events/ev/gate-pack?gate=north&since=x",
    "/api/v1/events/ev/tokens?state=revoked", "/api/v1/events/ev/tokens?state=" + "x" * 5000,
    "/api/v1/events/nope/tokens", "/api/v1/events/ev/tokens/99999999999999999999/revoke",
    "/api/v1/events/ev/tokens/abc/revoke", "/api/v1/events/ev/tokens/424242/revoke",
]


@pytest.mark.parametrize("path", BAD_GETS)
def test_bad_paths_and_queries_are_refused(app, admin, seeded, path):
    with app.app_context():
        before = snapshot()
    r = admin.post(path, {"reason": "x"}) if path.endswith(("annul", "revoke")) else admin.get(path)
    assert_refused(r, path)
    with app.app_context():
        assert snapshot() == before


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic YWRtaW46YWRtaW4=",
                                    "Bearer " + "x" * 10000, "Bearer ünïcödé"])
def test_bad_tokens_are_refused(client, seeded, header):
    headers = {"Authorization": header} if header else {}
    r = client.post("/api/v1/events/ev/scans", json={"code": seeded["code"], "gate": "north"}, headers=headers)
    assert r.status_code == 401 and r.content_type == "application/problem+json"


@pytest.mark.parametrize("role,method,path", [
    ("viewer", "POST", "/api/v1/events/ev/scans"),
    ("gate", "POST", "/api/v1/events/ev/tickets"),
    ("box_office", "POST", "/api/v1/events"),
    ("badge_desk", "POST", "/api/v1/events/ev/tickets/{ticket}/void"),
    ("viewer", "GET", "/api/v1/events/ev/tickets?q=Guest"),
    ("viewer", "GET", "/api/v1/events/ev/checkin/search?q=Guest"),
    ("gate", "GET", "/api/v1/events/ev/ledger"),
])
def test_roles_are_enforced(client, token, seeded, role, method, path):
    from helpers import Api

    api = Api(client, token(role, "ev"))
    r = api.get(path.format(**seeded)) if method == "GET" else api.post(path.format(**seeded), {"x": 1})
    assert r.status_code == 403 and r.content_type == "application/problem+json"


def test_token_of_another_event_is_refused(client, token, seeded, make_event):
    from helpers import Api

    make_event("other")
    api = Api(client, token("gate", "other"))
    r = api.post("/api/v1/events/ev/scans", {"code": seeded["code"], "gate": "north"})
    assert r.status_code == 403


@pytest.mark.parametrize("body", [b"[" * 10_000, b'{"code": ' + b"[" * 5_000 + b"]" * 5_000 + b', "gate": "north"}',
                                  b'{"code": "x", "gate": "north", "nonce": ' + b"9" * 5_000 + b"}"],
                         ids=["10,000 nested arrays", "deep value", "5,000-digit number"])
def test_deep_or_huge_json_is_refused_as_the_body(app, admin, seeded, body):
    with app.app_context():
        before = snapshot()
    r = admin.client.post("/api/v1/events/ev/scans", data=body,
                          headers={**admin.headers, "Content-Type": "application/json"})
    assert_refused(r, body[:20])
    assert r.status_code == 400 and "body" in r.json["errors"]
    with app.app_context():
        assert snapshot() == before


def test_a_quantity_of_5000_digits_is_refused(app, admin, seeded):
    body = b'{"type": "GA", "payment": {"method": "cash"}, "quantity": ' + b"9" * 5_000 + b"}"
    r = admin.client.post("/api/v1/events/ev/sales", data=body,
                          headers={**admin.headers, "Content-Type": "application/json"})
    assert_refused(r, "5,000 digits")
    r = admin.post("/api/v1/events/ev/sales", {"type": "GA", "payment": {"method": "cash"}, "quantity": 10**300})
    assert_refused(r, "300 digits")
    assert "quantity" in r.json["errors"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2200-01-02"])
def test_review_days_outside_the_calendar_the_service_keeps_are_refused(admin, seeded, day):
    r = admin.get(f"/api/v1/events/ev/review?day={day}")
    assert_refused(r, day)
    assert "day" in r.json["errors"]


def test_bodies_over_their_endpoint_s_limit_are_refused_unread(app, admin, seeded):
    big_sale = {"type": "GA", "payment": {"method": "cash"}, "holders": [{"name": "x" * 200}] * 6000}
    r = admin.post("/api/v1/events/ev/sales", big_sale)
    assert r.status_code == 413 and r.content_type == "application/problem+json"
    scans = [{"code": seeded["code"], "gate": "north", "nonce": f"n-{i}", "device": "d" * 60}
             for i in range(5000)]
    r = admin.post("/api/v1/events/ev/scans/batch", {"scans": scans})  # about 1.3 MB: a batch may be larger
    assert r.status_code == 200, r.json
