"""No input yields a 5xx: bodies, queries and paths generated from the service's own OpenAPI
document (Schemathesis on Hypothesis) for every operation, sent with a valid admin token to an
event that exists. A few examples per operation keep the whole run well under a minute and a
half; GATE_FUZZ_EXAMPLES asks for more."""
import os
import tempfile
from datetime import date, datetime, timedelta, timezone

import pytest
from conftest import ENGINES, fresh_database
from flask_migrate import stamp

from checkin import create_app
from checkin.auth import create_token
from checkin.extensions import db
from helpers import NOW, Api, iso

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402  (installed with schemathesis)
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

EXAMPLES = int(os.environ.get("GATE_FUZZ_EXAMPLES", "20"))

# Days and times from the whole calendar, with its first and last ones often, in offsets from
# the whole world: the edges are where date arithmetic overflows.
EAST, WEST = timezone(timedelta(hours=14)), timezone(-timedelta(hours=12, minutes=59))
DAYS = st.one_of(st.sampled_from([date.min, date.max]), st.dates())
TIMES = st.one_of(st.sampled_from([datetime.min.replace(tzinfo=EAST), datetime.max.replace(tzinfo=WEST)]),
                  st.datetimes(timezones=st.sampled_from([timezone.utc, EAST, WEST])))
schemathesis.openapi.format("date", DAYS.map(date.isoformat))
schemathesis.openapi.format("date-time", TIMES.map(datetime.isoformat))
ENGINE = ENGINES[-1]  # PostgreSQL when it is there: it refuses more than SQLite does


@pytest.fixture(scope="module")
def fuzz_url(tmp_path_factory):
    """One database for the whole run: a SQLite file, or a PostgreSQL schema of its own."""
    with fresh_database(ENGINE, tmp_path_factory.mktemp("fuzz")) as url:
        yield url


@pytest.fixture(scope="module")
def fuzz_app(fuzz_url, tmp_path_factory):
    """One app for the whole run, with an event `ev` that has a type, a channel, a gate and tickets."""
    app = create_app({"TESTING": True, "DATABASE_URL": fuzz_url, "SECRET_KEY": "test"})
    app.instance_path = str(tmp_path_factory.mktemp("fuzz-instance"))
    with app.app_context():
        db.create_all()
        stamp()
        bearer = create_token("admin")
    seed(Api(app.test_client(), bearer))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def seed(admin: Api) -> None:
    """An event a generated call can find: `ev`, with what most calls need."""
    assert admin.post("/api/v1/events", {"slug": "ev", "name": "Ev", "timezone": "Europe/Berlin",
                                         "starts_at": iso(NOW - timedelta(hours=2)),
                                         "ends_at": iso(NOW + timedelta(days=1))}).status_code == 201
    admin.post("/api/v1/events/ev/ticket-types", {"code": "GA", "name": "General", "capacity": 100,
                                                  "badge_type": "General"})
    admin.post("/api/v1/events/ev/channels", {"code": "box", "name": "Box", "allocations": {"GA": 20}})
    admin.post("/api/v1/events/ev/gates", {"code": "north", "name": "North", "zone": "hall", "admits": ["GA"]})
    tickets = admin.post("/api/v1/events/ev/tickets", {"tickets": [
        {"type": "GA", "holder": {"name": f"Guest {i}"}} for i in range(5)]}).json["tickets"]
    admin.post("/api/v1/events/ev/scans", {"code": tickets[0]["code"], "gate": "north"})
    admin.post("/api/v1/events/ev/sales", {"type": "GA", "quantity": 1, "payment": {"method": "card"}})


def _operations() -> list:
    """Every operation of the OpenAPI document, read from an app that needs no database for it."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp}/spec.db", "SECRET_KEY": "test"})
        app.instance_path = f"{tmp}/instance"
        spec = app.test_client().get("/api/v1/openapi.json").json
        with app.app_context():
            db.engine.dispose()
    return [result.ok() for result in schemathesis.openapi.from_dict(spec).get_all_operations()]


OPERATIONS = _operations()


def cases(operation):
    """Calls that fit the schema and calls that break it, mostly on things that exist (so they reach
    the work of their views), sometimes on whatever the schema allows."""
    names = [p.name for p in operation.path_parameters]
    known = {name: value for name, value in existing(operation.path).items() if name in names}
    anything = {"slug": "ev"} if "slug" in names else None
    modes = [operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known),
             operation.as_strategy(GenerationMode.POSITIVE, path_parameters=anything)]
    if operation.body or operation.query:
        modes.append(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=known))
    return st.one_of(modes)


def existing(path: str) -> dict:
    """Path values of things seed() made."""
    code = "GA" if "/ticket-types/" in path else "box" if "/channels/" in path else "north"
    return {"slug": "ev", "code": code, "ticket_id": 1, "scan_id": 1, "sale_id": 1, "job_id": 1}


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{op.method.upper()} {op.path}" for op in OPERATIONS])
def test_no_generated_call_gets_a_server_error(operation, fuzz_app):
    @given(case=cases(operation))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def call(case):
        with fuzz_app.app_context():
            bearer = create_token("admin")  # one per call: a generated call may revoke its own token
        if operation.path.endswith("/print-agent/next") and isinstance(case.body, dict) \
                and isinstance(case.body.get("wait", 0), (int, float)):
            case.body["wait"] = 0  # a long poll: each call would wait up to 30 s for a job that never comes
        response = case.call(app=fuzz_app, headers={"Authorization": f"Bearer {bearer}"})
        assert response.status_code < 500, (response.status_code, response.text[:500], case.as_curl_command())

    call()
