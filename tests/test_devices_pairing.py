"""Pairing: a supervisor's short code becomes one device's own token, once, in time, without guessing."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from checkin.extensions import db
from checkin.models import ApiToken, PairingCode, PairingFailure, utcnow
from helpers import Api, run_together

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


@pytest.fixture
def supervisor(client, token, make_event):
    make_event()
    return Api(client, token("supervisor", "ev"))


def make_code(api: Api, **body) -> dict:
    r = api.post("/api/v1/events/ev/pairing-codes", {"role": "gate", "gate": "north", **body})
    assert r.status_code == 201, r.json
    return r.json


def pair(client, code: str, address: str = "10.0.0.1"):
    return client.post("/api/v1/pair", json={"code": code}, environ_base={"REMOTE_ADDR": address})


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def wrong_secret(code: str) -> str:
    """The same locator with another secret: a wrong try aimed at this code."""
    last = "0" if code[-1] != "0" else "1"
    return code[:-1] + last


def test_a_typed_code_gives_the_device_its_own_named_token(app, client, supervisor, issue):
    made = make_code(supervisor, name="North gate tablet")
    assert CODE.match(made["code"])
    assert made["url"].endswith(f"/pair?code={made['code']}") and made["qr"].startswith("data:image/svg+xml")
    assert (made["role"], made["event"], made["gate"], made["name"]) == ("gate", "ev", "north", "North gate tablet")
    assert timedelta(minutes=4) < _from_iso(made["expires_at"]) - utcnow() <= timedelta(minutes=5)

    r = pair(client, made["code"].lower().replace("-", " "))  # typed loosely: case and separators do not matter
    assert r.status_code == 201, r.json
    paired = r.json
    assert {k: paired[k] for k in ("name", "role", "event", "gate", "screen", "expires_at")} == {
        "name": "North gate tablet", "role": "gate", "event": "ev", "gate": "north", "screen": "gate",
        "expires_at": None}
    device = Api(client, paired["token"])
    me = device.get("/api/v1/me").json
    assert (me["id"], me["name"], me["role"], me["gate"], me["state"]) == (
        paired["id"], "North gate tablet", "gate", "north", "active")
    assert me["created_by"] == f"pairing:{made['id']}"
    code = issue()[0]["code"]
    assert device.post("/api/v1/events/ev/scans", {"code": code, "gate": "north"}).json["status"] == "ok"
    assert device.post("/api/v1/events/ev/scans", {"code": code, "gate": "south"}).status_code == 403


def test_look_alike_letters_are_read_as_the_digits_they_resemble(client, supervisor):
    made = make_code(supervisor)
    typed = made["code"].replace("0", "O").replace("1", "l")
    assert pair(client, typed).status_code == 201


def test_a_code_works_once(app, client, supervisor):
    made = make_code(supervisor)
    assert pair(client, made["code"]).status_code == 201
    again = pair(client, made["code"])
    assert again.status_code == 403 and again.json["errors"] == {"code": ["not valid, used already, or expired"]}
    assert count(app, ApiToken) == 3  # the admin's, the supervisor's and the one paired device


def test_devices_redeeming_one_code_at_once_get_one_token(app, supervisor):
    made = make_code(supervisor)
    answers = run_together(8, lambda i: pair(app.test_client(), made["code"], f"10.0.1.{i}"))
    assert sorted(r.status_code for r in answers) == [201] + [403] * 7
    assert count(app, ApiToken) == 3


def test_an_expired_code_is_refused(app, client, supervisor):
    made = make_code(supervisor, minutes=1)
    with app.app_context():
        db.session.execute(update(PairingCode).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert pair(client, made["code"]).status_code == 403
    assert count(app, ApiToken) == 2


def test_wrong_tries_end_the_code_they_aim_at_and_change_nothing_else(app, client, supervisor):
    made = make_code(supervisor)
    other = make_code(supervisor, gate="south")
    tries = app.config["PAIRING_CODE_TRIES"]
    for i in range(tries):
        r = pair(client, wrong_secret(made["code"]), f"10.0.2.{i}")  # other addresses: no client limit
        assert r.status_code == 403 and r.content_type == "application/problem+json"
    with app.app_context():
        row = db.session.scalar(select(PairingCode).where(PairingCode.id == made["id"]))
        assert (row.failures, row.used_at, row.token_id) == (tries, None, None)
    assert pair(client, made["code"]).status_code == 403  # the right code, too late: it is dead
    assert count(app, ApiToken) == 2
    assert pair(client, other["code"]).status_code == 201  # the other code was never aimed at


def test_a_client_with_too_many_wrong_codes_is_turned_away_for_a_while(app, client, supervisor):
    made = make_code(supervisor)
    app.config["PAIRING_CODE_TRIES"] = 100  # count only the client's failures here
    for _ in range(app.config["PAIRING_CLIENT_FAILURES"]):
        assert pair(client, "ZZZZ-ZZZZ", "10.0.3.1").status_code == 403
    refused = pair(client, made["code"], "10.0.3.1")  # even the right code, while the client waits
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60 and refused.json["retry_after"] > 0
    assert pair(client, made["code"], "10.0.3.2").status_code == 201  # another device is not held up
    with app.app_context():  # once the failures age out of the window, the client may try again
        db.session.execute(update(PairingFailure).values(at=utcnow() - timedelta(minutes=16)))
        db.session.commit()
    assert pair(client, "ZZZZ-ZZZZ", "10.0.3.1").status_code == 403


def test_past_the_global_limit_everyone_waits(app, client, supervisor):
    made = make_code(supervisor)
    app.config["PAIRING_GLOBAL_FAILURES"] = 5
    for i in range(5):
        assert pair(client, "ZZZZ-ZZZZ", f"10.0.4.{i}").status_code == 403
    assert pair(client, made["code"], "10.0.4.99").status_code == 429
    with app.app_context():
        assert db.session.scalar(select(PairingCode.used_at)) is None


def test_paired_token_lifetime_comes_from_the_code(app, client, supervisor):
    made = make_code(supervisor, token_expires_in="12h")
    assert made["token_lifetime_minutes"] == 720
    paired = pair(client, made["code"]).json
    assert timedelta(hours=11, minutes=59) < _from_iso(paired["expires_at"]) - utcnow() <= timedelta(hours=12)


@pytest.mark.parametrize("role,screen", [("badge_desk", "desk"), ("box_office", "box"),
                                         ("supervisor", "dashboard"), ("viewer", "dashboard")])
def test_each_role_is_sent_to_its_screen(client, supervisor, role, screen):
    made = make_code(supervisor, role=role, gate=None)
    assert made["name"]  # a default name, so the device list never shows a blank
    assert pair(client, made["code"]).json["screen"] == screen


def test_a_supervisor_pairs_only_roles_up_to_its_own_for_its_own_event(client, token, supervisor, make_event):
    make_event("other")
    assert supervisor.post("/api/v1/events/ev/pairing-codes", {"role": "admin"}).status_code == 403
    assert supervisor.post("/api/v1/events/other/pairing-codes", {"role": "viewer"}).status_code == 403
    assert supervisor.post("/api/v1/events/ev/pairing-codes", {"role": "supervisor"}).status_code == 201
    for role in ("box_office", "badge_desk", "gate", "viewer"):
        api = Api(client, token(role, "ev"))
        assert api.post("/api/v1/events/ev/pairing-codes", {"role": "viewer"}).status_code == 403
    admin = Api(client, token("admin"))
    assert admin.post("/api/v1/events/other/pairing-codes", {"role": "admin"}).status_code == 201


def test_the_gate_binding_must_fit_the_role(supervisor):
    no_gate = supervisor.post("/api/v1/events/ev/pairing-codes", {"role": "gate"})
    assert no_gate.status_code == 422 and "gate" in no_gate.json["errors"]
    desk_gate = supervisor.post("/api/v1/events/ev/pairing-codes", {"role": "badge_desk", "gate": "north"})
    assert desk_gate.status_code == 422 and "gate" in desk_gate.json["errors"]
    unknown = supervisor.post("/api/v1/events/ev/pairing-codes", {"role": "gate", "gate": "west"})
    assert unknown.status_code == 404 and "gate" in unknown.json["errors"]


def test_the_code_is_kept_only_as_a_keyed_hash(app, supervisor):
    made = make_code(supervisor)
    plain = made["code"].replace("-", "")
    with app.app_context():
        row = db.session.scalar(select(PairingCode))
        assert row.locator == plain[:4] and plain not in row.code_hash and len(row.code_hash) == 64


def _from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)
