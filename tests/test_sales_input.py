"""No input to the box office endpoints, however malformed, yields a 500 or changes anything."""
import json

from test_bad_input import JUNK_BODIES, assert_refused, snapshot, wrong_types

EV = "/api/v1/events/ev"
SALE = {"type": "GA", "quantity": 1, "channel": "box", "holders": [{"name": "Ann", "company": "Acme"}],
        "payment": {"method": "cash", "reference": "till-1"}, "admit_at": "north", "nonce": "n-1"}
# path, a valid body, whether an empty body is valid too
ENDPOINTS = [
    (f"{EV}/sales", SALE, False),
    (f"{EV}/sales/{{sale}}/confirm", {"reference": "UPI-1"}, True),
    (f"{EV}/sales/{{sale}}/cancel", {"reason": "declined"}, True),
    (f"{EV}/tickets/{{ticket}}/upgrade", {"to_type": "VIP", "payment": {"method": "card"}, "reason": "x"}, False),
    (f"{EV}/ticket-types/GA/release-buffer", {"quantity": 1, "reason": "x"}, False),
    (f"{EV}/quota-moves", {"type": "GA", "from": "box", "to": "web", "quantity": 1, "reason": "x"}, False),
    (f"{EV}/emergency-pools", {"device": "tab-1", "type": "GA", "channel": "box", "quantity": 1}, False),
    (f"{EV}/emergency-pools/{{pool}}/close", {"reason": "x"}, True),
    (f"{EV}/emergency-sales", {"device": "tab-1", "sales": [{
        "nonce": "o-1", "type": "GA", "quantity": 1, "holders": [{"name": "Bo"}], "payment": {"method": "cash"},
        "sold_at": "2030-01-01T09:00:00+00:00"}]}, False),
]
BAD_GETS = [f"{EV}/sales?state=sold", f"{EV}/sales?state=%00", f"{EV}/sales/99999", f"{EV}/sales/-1",
            f"{EV}/review?day=yesterday", f"{EV}/review?day=2030-13-45", f"{EV}/review?day=" + "9" * 3000,
            "/api/v1/events/nope/export.csv", "/api/v1/events/nope/review", "/api/v1/events/nope/sales"]


def test_bad_input_to_the_box_office_is_refused_and_changes_nothing(app, admin, make_event, issue):
    make_event(types=[{"code": "GA", "name": "General", "capacity": 50, "buffer": 5, "badge_type": "General"},
                      {"code": "VIP", "name": "VIP", "capacity": 5, "badge_type": "VIP"}],
               channels=[{"code": "box", "name": "Box", "allocations": {"GA": 5}}, {"code": "web", "name": "Web"}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["GA", "VIP"]}])
    ids = {"ticket": issue()[0]["id"],
           "sale": admin.post(f"{EV}/sales", {"type": "GA", "payment": {"method": "upi"}}).json["sale"]["id"],
           "pool": admin.post(f"{EV}/emergency-pools", {"device": "tab-1", "type": "GA", "quantity": 2}).json["id"]}
    with app.app_context():
        before = snapshot()
    for path, body, empty_ok in ENDPOINTS:
        path = path.format(**ids)
        for raw in JUNK_BODIES:
            r = admin.client.post(path, data=raw, headers={**admin.headers, "Content-Type": "application/json"})
            assert_refused(r, (path, raw[:20]))
        for bad in [*wrong_types(body), {**body, "unexpected": 1}, *([] if empty_ok else [{}])]:
            r = admin.post(path, bad)
            assert 400 <= r.status_code < 500, (path, json.dumps(bad)[:200], r.status_code)
            assert_refused(r, (path, str(bad)[:100]))
    for path in BAD_GETS:
        assert_refused(admin.get(path), path)
    assert admin.post("/api/v1/events/nope/sales", SALE).status_code == 404
    with app.app_context():
        assert snapshot() == before
