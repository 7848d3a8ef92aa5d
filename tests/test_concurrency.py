"""Races the database must settle, with real threads and processes on a file
SQLite database and on PostgreSQL."""
import multiprocessing as mp

from helpers import Api, run_together

CLIENTS = 32


def test_32_threads_scanning_one_ticket_admit_exactly_one(app, token, make_event, issue):
    make_event()
    code = issue()[0]["code"]
    bearer = token("gate", "ev")

    def work(i):
        api = Api(app.test_client(), bearer)
        return api.post("/api/v1/events/ev/scans", {"code": code, "gate": ["north", "south"][i % 2],
                                                     "device": f"d{i}"})

    answers = run_together(CLIENTS, work)
    assert all(r.status_code == 200 for r in answers), [r.json for r in answers if r.status_code != 200]
    statuses = sorted(r.json["status"] for r in answers)
    assert statuses.count("ok") == 1
    assert {r.json["reason"] for r in answers if r.json["status"] == "refused"} == {"duplicate"}
    counts = Api(app.test_client(), token("admin")).get("/api/v1/events/ev/counts").json
    assert counts["zones"]["hall"]["inside"] == 1


def test_32_threads_importing_into_10_seats_never_exceed(app, admin, token, make_event):
    make_event(types=[{"code": "GA", "name": "General", "capacity": 10, "badge_type": "General"}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]}])
    bearer = token("admin")

    def work(i):
        api = Api(app.test_client(), bearer)
        return api.post("/api/v1/events/ev/tickets",
                        {"tickets": [{"type": "GA", "holder": {"name": f"Buyer {i}"}}]})

    answers = run_together(CLIENTS, work)
    assert {r.status_code for r in answers} <= {201, 409}
    assert sum(r.status_code == 201 for r in answers) == 10
    inventory = admin.get("/api/v1/events/ev/inventory").json["types"][0]
    assert (inventory["sold"], inventory["available"]) == (10, 0)
    assert admin.get("/api/v1/events/ev/counts").json["tickets"] == 10


def test_concurrent_imports_of_two_rows_never_split(app, admin, token, make_event):
    make_event(types=[{"code": "GA", "name": "General", "capacity": 11, "badge_type": "General"}],
               gates=[{"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]}])
    bearer = token("admin")

    def work(i):
        rows = [{"type": "GA", "holder": {"name": f"Pair {i} {k}"}} for k in range(2)]
        return Api(app.test_client(), bearer).post("/api/v1/events/ev/tickets", {"tickets": rows})

    answers = run_together(16, work)
    assert sum(r.status_code == 201 for r in answers) == 5  # 5 pairs fit in 11, never a half pair
    assert admin.get("/api/v1/events/ev/counts").json["tickets"] == 10


def _scan_in_process(url: str, code: str, i: int, start, out) -> None:
    from checkin import create_app
    from checkin.extensions import db
    from checkin.gate.admissions import ScanRequest, gate_for, judge

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test"})
    with app.app_context():
        gate = gate_for("ev", "north")
        db.session.commit()  # end the read transaction: on SQLite it holds the write lock
        start.wait()
        out.put(judge(gate, ScanRequest(code=code), device=f"proc-{i}")["status"])


def test_8_processes_scanning_one_ticket_admit_exactly_one(app, database_url, make_event, issue):
    make_event()
    code = issue()[0]["code"]
    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(8), ctx.Queue()
    procs = [ctx.Process(target=_scan_in_process, args=(database_url, code, i, start, out)) for i in range(8)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    assert sorted(results) == ["ok"] + ["refused"] * 7
