"""Hostile input to pairing and token calls: a 4xx problem naming the field, and nothing written."""
import io

import cv2
import numpy as np
import pytest
import segno
from sqlalchemy import func, select

from checkin.extensions import db
from checkin.models import PairingCode, PairingFailure
from helpers import Api


@pytest.fixture
def supervisor(client, token, make_event):
    make_event()
    return Api(client, token("supervisor", "ev"))


def rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def assert_names(r, field: str):
    assert 400 <= r.status_code < 500 and r.content_type == "application/problem+json", (r.status_code, r.json)
    assert field in r.json["errors"], r.json


@pytest.mark.parametrize("body,field", [
    ({"code": 12345678}, "code"), ({"code": ["ABCD-EFGH"]}, "code"), ({"code": "x" * 100_000}, "code"),
    ({"code": "ABCD\x00EFGH"}, "code"), ({"code": "\ud800BCD-EFGH"}, "code"), ({"code": "ABCD-EFG"}, "code"),
    ({"code": "ABCD-EFGHJ"}, "code"), ({"code": "ÄBCD-EFGH"}, "code"), ({}, "code"),
    ({"code": "ABCD-EFGH", "role": "admin"}, "role"),
])
def test_a_malformed_code_is_named_and_never_counts_as_a_try(app, client, supervisor, body, field):
    for _ in range(12):  # more than a client's failure limit: none of these is a guess
        assert_names(client.post("/api/v1/pair", json=body), field)
    assert rows(app, PairingFailure) == 0


def test_bodies_that_are_not_json_objects_are_refused(app, client):
    for raw in (b"{bad", b"[]", b"null", b'"ABCD-EFGH"', b"\xff\xfe"):
        r = client.post("/api/v1/pair", data=raw, headers={"Content-Type": "application/json"})
        assert 400 <= r.status_code < 500 and r.content_type == "application/problem+json"
    assert rows(app, PairingFailure) == 0


@pytest.mark.parametrize("body,field", [
    ({"role": "root"}, "role"), ({"role": 3}, "role"), ({"role": "gate", "gate": "no way!"}, "gate"),
    ({"role": "viewer", "minutes": "5"}, "minutes"), ({"role": "viewer", "minutes": 0}, "minutes"),
    ({"role": "viewer", "minutes": 10**12}, "minutes"), ({"role": "viewer", "name": "x" * 10_000}, "name"),
    ({"role": "viewer", "name": "tab\x07let"}, "name"), ({"role": "viewer", "token_expires_in": "forever"},
                                                          "token_expires_in"),
    ({"role": "viewer", "token_expires_in": "999d"}, "token_expires_in"), ({"role": "viewer", "extra": 1}, "extra"),
])
def test_bad_pairing_requests_name_the_field_and_make_no_code(app, supervisor, body, field):
    assert_names(supervisor.post("/api/v1/events/ev/pairing-codes", body), field)
    assert rows(app, PairingCode) == 0


def _png(text: str) -> bytes:
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def _blank_png() -> bytes:
    return cv2.imencode(".png", np.full((120, 160), 255, np.uint8))[1].tobytes()


def frame(client, data: bytes, address: str):
    return client.post("/api/v1/pair/frame", data={"image": (io.BytesIO(data), "frame.png")},
                       content_type="multipart/form-data", environ_base={"REMOTE_ADDR": address})


def test_a_frame_with_the_pairing_qr_gives_back_its_code(client, supervisor):
    made = supervisor.post("/api/v1/events/ev/pairing-codes", {"role": "viewer"}).json
    found = frame(client, _png(made["url"]), "10.9.0.1")
    assert found.status_code == 200 and found.json == {"status": "found", "code": made["code"]}
    assert frame(client, _png(made["code"].lower()), "10.9.0.2").json["code"] == made["code"]
    assert frame(client, _png("https://example.org/"), "10.9.0.3").json == {"status": "no_code"}
    assert frame(client, _blank_png(), "10.9.0.4").json == {"status": "no_code"}


def test_frames_are_paced_and_junk_is_refused(client):
    assert frame(client, _blank_png(), "10.9.1.1").status_code == 200
    assert frame(client, _blank_png(), "10.9.1.1").status_code == 429  # at once again: too fast
    assert_names(frame(client, b"not an image at all", "10.9.1.2"), "image")
    assert_names(client.post("/api/v1/pair/frame", data={}, content_type="multipart/form-data"), "image")
    # Built by hand: the test client would spool a body this big to a file it never closes.
    body = (b"--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"f.png\"\r\n"
            b"Content-Type: image/png\r\n\r\n" + b"\x89PNG" + b"\0" * (3 * 1024 * 1024) + b"\r\n--b--\r\n")
    huge = client.post("/api/v1/pair/frame", data=body, content_type="multipart/form-data; boundary=b",
                       environ_base={"REMOTE_ADDR": "10.9.1.3"})
    assert_names(huge, "image")


@pytest.mark.parametrize("header", ["Bearer a\x00b", "Bearer \udcff", "Bearer " + "ä" * 300])
def test_odd_tokens_are_refused_without_error(client, header):
    r = client.get("/api/v1/me", headers={"Authorization": header.encode("utf-8", "surrogateescape")
                                          .decode("latin-1")})
    assert r.status_code == 401 and r.content_type == "application/problem+json"
