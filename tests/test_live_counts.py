"""Live counts are kept as scans commit, and always equal a recount from the database."""
import random
import threading

from helpers import Api
from live_helpers import assert_counts_match_database

SCAN = "/api/v1/events/ev/scans"


def test_entries_exits_refusals_and_inside_per_zone(app, admin, make_event, issue):
    make_event()
    ga, vip = issue(n=3), issue(type="VIP")[0]
    for t in ga:
        assert admin.post(SCAN, {"code": t["code"], "gate": "north"}).json["status"] == "ok"
    assert admin.post(SCAN, {"code": ga[0]["code"], "gate": "south", "device": "t2"}).json["reason"] == "duplicate"
    assert admin.post(SCAN, {"code": ga[1]["code"], "gate": "south", "direction": "out"}).json["status"] == "ok"
    assert admin.post(SCAN, {"code": "NOT-A-TICKET", "gate": "north"}).json["reason"] == "invalid"
    assert admin.post(SCAN, {"code": vip["code"], "gate": "north"}).json["status"] == "ok"
    assert admin.post(SCAN, {"code": vip["code"], "gate": "lounge"}).json["status"] == "ok"
    assert admin.post(SCAN, {"code": ga[2]["code"], "gate": "lounge"}).json["reason"] == "not_admitted"

    live = assert_counts_match_database(app, admin)
    assert live["zones"]["hall"] == {"entries": 4, "exits": 1, "inside": 3, "capacity": None,
                                     "inside_by_type": {"GA": 2, "VIP": 1}}
    assert live["zones"]["lounge"]["inside"] == 1  # the VIP is in the lounge too, and counted once in each
    assert live["gates"]["north"]["entries"] == 4 and live["gates"]["north"]["refused"] == {"invalid": 1}
    assert live["gates"]["south"]["refused"] == {"duplicate": 1} and live["gates"]["south"]["duplicates"] == 1
    assert live["types"]["GA"]["refused"] == {"duplicate": 1, "not_admitted": 1}
    assert live["types"]["VIP"]["inside_by_zone"] == {"hall": 1, "lounge": 1}
    assert live["totals"] == {**live["totals"], "entries": 5, "exits": 1, "refused": 3, "duplicates": 1}
    assert live["gates"]["north"]["last_hour"]["entries"][-1] == 4
    assert live["gates"]["north"]["scans_per_minute"] >= 4
    assert live["version"] == 9  # one per counted change


def test_exit_of_someone_not_inside_moves_no_one(app, admin, make_event, issue):
    make_event()
    t = issue()[0]
    assert admin.post(SCAN, {"code": t["code"], "gate": "north", "direction": "out"}).json["status"] == "ok"
    live = assert_counts_match_database(app, admin)
    assert (live["zones"]["hall"]["exits"], live["zones"]["hall"]["inside"]) == (1, 0)


def test_a_replayed_nonce_and_a_reread_count_once(app, admin, make_event, issue):
    make_event()
    t = issue()[0]
    for _ in range(3):
        admin.post(SCAN, {"code": t["code"], "gate": "north", "nonce": "n-1"})
    admin.post(SCAN, {"code": t["code"], "gate": "north", "device": "tab"})
    admin.post(SCAN, {"code": t["code"], "gate": "north", "device": "tab"})  # the same device a moment later
    live = assert_counts_match_database(app, admin)
    assert live["gates"]["north"]["entries"] == 1


def test_annulled_scans_leave_the_counts(app, admin, token, make_event, issue):
    make_event()
    a, b = issue(n=2)
    supervisor = admin.as_role(token("supervisor"))
    entry = admin.post(SCAN, {"code": a["code"], "gate": "north"}).json
    admin.post(SCAN, {"code": b["code"], "gate": "north"})
    leaving = admin.post(SCAN, {"code": b["code"], "gate": "south", "direction": "out"}).json
    assert supervisor.post(f"{SCAN}/{entry['scan']['id']}/annul", {"reason": "wrong ticket"}).status_code == 200
    assert supervisor.post(f"{SCAN}/{leaving['scan']['id']}/annul", {"reason": "did not leave"}).status_code == 200
    live = assert_counts_match_database(app, admin)
    assert live["zones"]["hall"] == {**live["zones"]["hall"], "entries": 1, "exits": 0, "inside": 1}
    assert live["gates"]["north"]["last_hour"]["entries"][-1] == 1


def test_concurrent_scans_keep_the_counts_exact(app, admin, token, make_event, issue):
    make_event()
    tickets = [t["code"] for t in issue(n=40)] + [t["code"] for t in issue(n=10, type="VIP")]
    bearer = token("gate", "ev")
    barrier = threading.Barrier(16)

    def work(i):
        rnd = random.Random(i)
        api = Api(app.test_client(), bearer)
        barrier.wait()
        for k in range(25):
            gate, direction = rnd.choice([("north", "in"), ("south", "in"), ("north", "out"), ("south", "out"),
                                          ("lounge", "in")])
            r = api.post(SCAN, {"code": rnd.choice(tickets), "gate": gate, "direction": direction,
                                "device": f"d{i}-{k}"})
            assert r.status_code == 200, r.json

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    live = assert_counts_match_database(app, admin)
    assert live["totals"]["entries"] + live["totals"]["exits"] + live["totals"]["refused"] == 16 * 25
    assert live["version"] == 16 * 25


def test_concurrent_annulments_and_scans_keep_inside_exact(app, admin, token, make_event, issue):
    make_event()
    tickets = [t["code"] for t in issue(n=30)]
    first = [admin.post(SCAN, {"code": c, "gate": "north"}).json["scan"]["id"] for c in tickets[:15]]
    supervisor = token("supervisor")
    gate = token("gate", "ev")

    def annul(scan_id):
        r = Api(app.test_client(), supervisor).post(f"{SCAN}/{scan_id}/annul", {"reason": "test"})
        assert r.status_code == 200, r.json

    def enter(code):
        r = Api(app.test_client(), gate).post(SCAN, {"code": code, "gate": "south"})
        assert r.status_code == 200, r.json

    work = [threading.Thread(target=annul, args=(s,)) for s in first] + \
           [threading.Thread(target=enter, args=(c,)) for c in tickets[15:]]
    random.Random(3).shuffle(work)
    for t in work:
        t.start()
    for t in work:
        t.join(120)
    live = assert_counts_match_database(app, admin)
    assert live["zones"]["hall"]["inside"] == 15


def test_badge_prints_are_counted_from_the_ledger(app, admin, make_event, issue):
    make_event()
    ids = [t["id"] for t in issue(n=2)]
    r = admin.post("/api/v1/events/ev/print-jobs", {"ticket_ids": ids})
    assert r.status_code == 201, r.json
    r = admin.post("/api/v1/events/ev/print-jobs", {"ticket_ids": ids[:1], "reason": "smudged"})
    assert r.status_code == 201, r.json
    totals = assert_counts_match_database(app, admin)["totals"]
    assert (totals["badges"], totals["reprints"]) == (3, 1)


def test_walk_ins_are_counted_and_a_refused_sale_counts_nothing(app, admin, make_event):
    make_event(types=[{"code": "GA", "name": "General", "capacity": 3, "badge_type": "General", "price": "10.00"}],
               channels=[{"code": "onsite", "name": "Box office"}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]}])
    sale = {"type": "GA", "quantity": 2, "payment": {"method": "cash"}}
    assert admin.post("/api/v1/events/ev/sales", sale).status_code == 201
    assert admin.post("/api/v1/events/ev/sales", sale).status_code == 409  # one seat left
    assert assert_counts_match_database(app, admin)["totals"]["walkins"] == 2


def test_an_upgrade_or_downgrade_moves_the_tickets_counts_to_its_new_type(app, admin, make_event, issue):
    make_event()
    t, other = issue(n=2)
    assert admin.post(SCAN, {"code": t["code"], "gate": "north"}).json["status"] == "ok"
    assert admin.post(SCAN, {"code": t["code"], "gate": "lounge"}).json["reason"] == "not_admitted"
    assert admin.post(SCAN, {"code": other["code"], "gate": "north"}).json["status"] == "ok"
    up = admin.post(f"/api/v1/events/ev/tickets/{t['id']}/upgrade", {"to_type": "VIP"})
    assert up.status_code == 200, up.json
    live = assert_counts_match_database(app, admin)
    assert live["zones"]["hall"]["inside_by_type"] == {"GA": 1, "VIP": 1}
    assert (live["types"]["VIP"]["entries"], live["types"]["GA"]["entries"]) == (1, 1)
    assert live["types"]["VIP"]["refused"] == {"not_admitted": 1} and live["types"]["GA"]["refused"] == {}
    assert admin.post(SCAN, {"code": up.json["code"], "gate": "lounge"}).json["status"] == "ok"
    assert admin.post(SCAN, {"code": up.json["code"], "gate": "north", "direction": "out"}).json["status"] == "ok"
    down = admin.post(f"/api/v1/events/ev/tickets/{t['id']}/upgrade", {"to_type": "GA"})
    assert down.status_code == 200, down.json
    live = assert_counts_match_database(app, admin)
    assert live["zones"]["lounge"]["inside_by_type"] == {"GA": 1}  # still in the lounge, now as General
