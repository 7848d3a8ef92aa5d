"""200 buyers racing for the last 10 seats, with real threads and real processes, on a file
SQLite database and on PostgreSQL: exactly 10 tickets, for one type, for two channels sharing
a remainder, and for a bundle and its parent."""
import multiprocessing as mp
import threading

import pytest
from conftest import ready_app

from checkin import create_app
from checkin.extensions import db
from helpers import Api

BUYERS = 200
PROCESSES = 8
# Small pools: 200 threads in 9 processes must queue for connections, never exhaust the server's.
POOL = {"pool_size": 8, "max_overflow": 8, "pool_timeout": 120}
CHILD_POOL = {"pool_size": 3, "max_overflow": 2, "pool_timeout": 120}

SCENARIOS = {
    # slug: (types, channels, what buyer i asks for)
    "one": ([{"code": "GA", "name": "General", "capacity": 50, "badge_type": "General"}], [],
            lambda i: {"type": "GA"}),
    "shared": ([{"code": "GA", "name": "General", "capacity": 10, "badge_type": "General"}],
               [{"code": "web", "name": "Web", "allocations": {"GA": 3}},
                {"code": "box", "name": "Box office", "allocations": {"GA": 3}}],
               lambda i: {"type": "GA", "channel": ["web", "box"][i % 2]}),
    "bundle": ([{"code": "GA", "name": "General", "capacity": 10, "badge_type": "General"},
                {"code": "PARK", "name": "GA + parking", "capacity": 100, "badge_type": "General", "parent": "GA"}],
               [], lambda i: {"type": ["GA", "PARK"][i % 2]}),
}


@pytest.fixture
def app(database_url, tmp_path):
    """The suite's app, with a connection pool small enough for 200 threads on one PostgreSQL."""

    with ready_app(database_url, tmp_path, SQLALCHEMY_ENGINE_OPTIONS=_engine_options(database_url)) as app:
        yield app


def _engine_options(url: str, pool: dict = POOL) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"check_same_thread": False}}
    return {**pool, "pool_pre_ping": True}


@pytest.fixture
def races(admin, make_event, issue):
    """Three events, each with exactly 10 seats left for the racing buyers."""
    for slug, (types, channels, _) in SCENARIOS.items():
        make_event(slug, types=types, channels=channels,
                   gates=[{"code": "north", "name": "North", "zone": "hall", "admits": [types[0]["code"]]}])
    issue("one", n=40)  # 40 of 50 gone before the doors open
    return SCENARIOS


def _body(slug: str, i: int) -> dict:
    return {**SCENARIOS[slug][2](i), "payment": {"method": "cash"}, "holders": [{"name": f"Buyer {i}"}]}


def _buy_together(app, bearer: str, slug: str, indexes: list[int], barrier) -> list[int]:
    """One thread per buyer, all released at once; returns the HTTP statuses."""
    local = threading.Barrier(len(indexes))
    statuses = [0] * len(indexes)

    def buy(k, i):
        client = Api(app.test_client(), bearer)
        local.wait()
        statuses[k] = client.post(f"/api/v1/events/{slug}/sales", _body(slug, i)).status_code

    threads = [threading.Thread(target=buy, args=(k, i)) for k, i in enumerate(indexes)]
    if barrier is not None:
        barrier.wait()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return statuses


def _check(admin, slug: str, statuses: list[int]) -> None:
    assert sorted(set(statuses)) == [201, 409], statuses
    assert statuses.count(201) == 10
    inv = {t["code"]: t for t in admin.get(f"/api/v1/events/{slug}/inventory").json["types"]}
    counts = admin.get(f"/api/v1/events/{slug}/counts").json
    if slug == "one":
        assert (inv["GA"]["sold"], inv["GA"]["available"], counts["tickets"]) == (50, 0, 50)
    elif slug == "shared":
        ga = inv["GA"]
        assert (ga["sold"], ga["available"], ga["shared"]["used"], counts["tickets"]) == (10, 0, 4, 10)
        assert [(c["channel"], c["used"]) for c in ga["channels"]] == [("web", 3), ("box", 3)]
    else:
        assert inv["GA"]["sold"] == 10 and inv["GA"]["available"] == 0 and inv["PARK"]["available"] == 0
        assert inv["GA"]["issued"] + inv["PARK"]["issued"] == counts["tickets"] == 10
        assert admin.get(f"/api/v1/events/{slug}/inventory").json["taken"] == 10  # a bundle seat counts once


def test_200_threads_buying_the_last_10_seats_get_exactly_10(app, admin, token, races):
    for slug in races:
        statuses = _buy_together(app, token("box_office", slug), slug, list(range(BUYERS)), None)
        _check(admin, slug, statuses)


def _buyer_process(url: str, bearers: dict, p: int, barrier, out) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test",
                      "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(url, CHILD_POOL)})
    try:
        for slug in SCENARIOS:
            mine = list(range(p, BUYERS, PROCESSES))
            out.put((slug, _buy_together(app, bearers[slug], slug, mine, barrier)))
    finally:
        with app.app_context():
            db.engine.dispose()


def test_200_buyers_in_8_processes_get_exactly_10(app, admin, token, database_url, races):
    bearers = {slug: token("box_office", slug) for slug in races}
    ctx = mp.get_context("fork")  # the test process has the app imported already: no re-import per buyer
    barrier, out = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [ctx.Process(target=_buyer_process, args=(database_url, bearers, p, barrier, out))
             for p in range(PROCESSES)]
    for proc in procs:
        proc.start()
    results: dict[str, list[int]] = {slug: [] for slug in races}
    for _ in range(PROCESSES * len(races)):
        slug, statuses = out.get(timeout=180)
        results[slug] += statuses
    for proc in procs:
        proc.join(30)
    for slug, statuses in results.items():
        assert len(statuses) == BUYERS
        _check(admin, slug, statuses)
