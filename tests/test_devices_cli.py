"""`gate token create | list | revoke` and `gate device pair`."""
import re
from datetime import timedelta

from sqlalchemy import select

from checkin.auth import hash_token
from checkin.extensions import db
from checkin.models import ApiToken, utcnow
from helpers import Api

CODE = re.compile(r"Pairing code: ([0-9A-Z]{4}-[0-9A-Z]{4})")


def _row(app, bearer: str) -> ApiToken:
    with app.app_context():
        return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(bearer)))


def test_token_create_names_and_expires_the_token(app, runner, make_event):
    make_event()
    made = runner.invoke(args=["token", "create", "--role", "gate", "--event", "ev", "--gate", "north",
                               "--name", "North gate tablet", "--expires-in", "1d12h"])
    assert made.exit_code == 0, made.output
    row = _row(app, made.stdout.strip())
    assert (row.name, row.created_by) == ("North gate tablet", "cli")
    assert timedelta(hours=35, minutes=59) < row.expires_at - utcnow() <= timedelta(hours=36)
    labelled = runner.invoke(args=["token", "create", "--role", "viewer", "--label", "Wall screen"])
    assert labelled.exit_code == 0 and _row(app, labelled.stdout.strip()).name == "Wall screen"


def test_token_create_refuses_a_duration_it_cannot_read(runner):
    for bad in ("forever", "5", "-1h", "400d", "0m", "1h30"):
        result = runner.invoke(args=["token", "create", "--role", "viewer", "--expires-in", bad])
        assert result.exit_code == 2 and "--expires-in" in result.output, (bad, result.output)


def test_token_list_shows_a_table_newest_first(app, runner, make_event):
    make_event()
    make_event("other")
    for args in (["--role", "gate", "--event", "ev", "--gate", "north", "--name", "North tablet"],
                 ["--role", "viewer", "--event", "other", "--name", "Other screen", "--expires-in", "2h"]):
        assert runner.invoke(args=["token", "create", *args]).exit_code == 0
    listed = runner.invoke(args=["token", "list"])
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["id", "name", "role", "event", "gate", "created", "expires", "last", "used",
                                "revoked"]
    assert "Other screen" in lines[1] and "North tablet" in lines[2]
    assert re.search(r"North tablet\s+gate\s+ev\s+north\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+-\s+-\s+-$", lines[2])
    only_ev = runner.invoke(args=["token", "list", "--event", "ev"]).stdout
    assert "North tablet" in only_ev and "Other screen" not in only_ev
    assert runner.invoke(args=["token", "list", "--event", "nope"]).exit_code == 1


def test_token_revoke_stops_the_token_at_once(app, client, runner, make_event):
    make_event()
    bearer = runner.invoke(args=["token", "create", "--role", "viewer", "--event", "ev", "--name", "Screen"]).stdout
    api = Api(client, bearer.strip())
    assert api.get("/api/v1/events/ev/counts").status_code == 200
    token_id = _row(app, bearer.strip()).id
    result = runner.invoke(args=["token", "revoke", str(token_id)])
    assert result.exit_code == 0 and f"Token {token_id} (Screen) revoked" in result.output
    assert api.get("/api/v1/events/ev/counts").status_code == 401
    listed = runner.invoke(args=["token", "list", "--active"]).stdout
    assert "Screen" not in listed
    assert "Screen" in runner.invoke(args=["token", "list"]).stdout
    missing = runner.invoke(args=["token", "revoke", "99999"])
    assert missing.exit_code == 1 and "no token 99999" in missing.output


def test_device_pair_prints_the_code_the_link_and_a_qr(app, client, runner, make_event):
    make_event()
    result = runner.invoke(args=["device", "pair", "--role", "gate", "--event", "ev", "--gate", "north",
                                 "--name", "North gate tablet", "--minutes", "3", "--url", "http://10.1.2.3:5000"])
    assert result.exit_code == 0, result.output
    code = CODE.search(result.output).group(1)
    assert f"http://10.1.2.3:5000/pair?code={code}" in result.output
    assert "North gate tablet (gate, ev, gate north)" in result.output
    assert sum("\u2580" in line or "\u2584" in line or "\u2588" in line for line in result.output.splitlines()) > 10
    paired = client.post("/api/v1/pair", json={"code": code})
    assert paired.status_code == 201 and paired.json["name"] == "North gate tablet"


def test_device_pair_refuses_what_the_api_refuses(runner, make_event):
    make_event()
    no_gate = runner.invoke(args=["device", "pair", "--role", "gate", "--event", "ev"])
    assert no_gate.exit_code == 1 and "gate" in no_gate.output
    assert runner.invoke(args=["device", "pair", "--role", "viewer", "--event", "nope"]).exit_code == 1
    assert runner.invoke(args=["device", "pair", "--role", "viewer", "--event", "ev", "--minutes", "0"]).exit_code == 2
