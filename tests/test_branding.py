"""An event's branding and its own layouts over the API: validation, versions, precedence, reprints, races."""
import copy
import io
import json
import subprocess

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

import badges
import scanner
from helpers import Api, run_together

EV = "/api/v1/events/ev"
JOBS = f"{EV}/print-jobs"


@pytest.fixture
def staff(client, token, make_event):
    """Tokens for "ev" (General GA and VIP types): a supervisor who edits and a badge desk that looks."""
    make_event()
    return Api(client, token("supervisor", "ev")), Api(client, token("badge_desk", "ev"))


def image_bytes(fmt: str = "PNG", size=(120, 40), colour=(0, 0, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def upload(api: Api, data: bytes, name: str = "logo.png", field: str = "logo"):
    # The body is built here: the test client spools a large upload to a file it never closes.
    body = (f'--b0\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n--b0--\r\n"
    return api.client.put(f"{EV}/branding/logo", headers=api.headers, data=body,
                          content_type="multipart/form-data; boundary=b0")


def layout_doc(marker: str, **changes) -> dict:
    """The built-in General layout with a fixed text `marker` in its header (easy to find in the PDF)."""
    doc = json.loads((badges.catalog._layout_dir() / "general.json").read_text())
    doc.pop("$schema")
    doc["name"] = marker.lower()
    doc["elements"].append({"kind": "text", "text": marker, "x": 5, "y": 72, "width": 30, "height": 6})
    doc.update(changes)
    return doc


def pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return "".join(str(page.get_textpage().get_text_range()) for page in document)
    finally:
        document.close()


def printed(api: Api, ticket_id: int, **extra) -> tuple[dict, str]:
    r = api.post(JOBS, {"ticket_ids": [ticket_id], **extra})
    assert r.status_code == 201, r.json
    return r.json, pdf_text(api.get(r.json["pdf"]).data)


# --- logo and colours ---

def test_logo_upload_is_kept_and_served_as_sent(staff):
    boss, desk = staff
    png = image_bytes()
    r = upload(boss, png)
    assert r.status_code == 200, r.json
    assert r.json["logo"]["type"] == "image/png" and (r.json["logo"]["width"], r.json["logo"]["height"]) == (120, 40)
    got = desk.get(f"{EV}/branding/logo")
    assert got.status_code == 200 and got.mimetype == "image/png" and got.data == png
    jpeg = image_bytes("JPEG")
    assert upload(boss, jpeg, "x.jpg").json["logo"]["type"] == "image/jpeg"
    assert desk.get(f"{EV}/branding/logo").data == jpeg
    assert boss.client.delete(f"{EV}/branding/logo", headers=boss.headers).json["logo"] is None
    assert desk.get(f"{EV}/branding/logo").status_code == 404


@pytest.mark.parametrize("data, says", [
    (b"", "empty"),
    (b"hello, not a picture" * 10, "not a PNG or JPEG"),
    (image_bytes("GIF"), "not a PNG or JPEG"),
    (image_bytes(size=(8, 8)), "16 to 4000"),
    (image_bytes(size=(5000, 20)), "16 to 4000"),
    (image_bytes()[:60], "damaged"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "damaged"),
])
def test_a_bad_logo_is_refused_naming_the_field_and_nothing_changes(staff, data, says):
    boss, _ = staff
    assert upload(boss, image_bytes()).status_code == 200
    before = boss.get(f"{EV}/branding").json
    r = upload(boss, data, "logo.png")
    assert r.status_code == 422, r.json
    assert "logo" in r.json["errors"] and says in r.json["errors"]["logo"][0]
    assert boss.get(f"{EV}/branding").json == before


def test_an_oversized_or_missing_logo_names_the_field(staff):
    boss, _ = staff
    big = Image.frombytes("RGB", (1000, 1000), bytes(range(256)) * 11719 + bytes(136))
    out = io.BytesIO()
    big.save(out, "PNG", compress_level=0)
    assert len(out.getvalue()) > 1024 * 1024
    r = upload(boss, out.getvalue())
    assert r.status_code == 422 and "logo" in r.json["errors"]
    r = upload(boss, image_bytes(), field="picture")
    assert r.status_code == 422 and "logo" in r.json["errors"]


def test_colours_per_badge_type_are_checked_and_folded(staff):
    boss, desk = staff
    r = boss.put(f"{EV}/branding/colours", {"colours": {"VIP": "#e0115f", "On site": "#00AA00"}})
    assert r.status_code == 200, r.json
    assert r.json["colours"] == {"vip": "#E0115F", "on-site": "#00AA00"}
    for bad in ({"vip": "red"}, {"vip": "#12345"}, {"vip": 5}):
        r = boss.put(f"{EV}/branding/colours", {"colours": bad})
        assert r.status_code == 422 and any(k.startswith("colours.vip") for k in r.json["errors"]), r.json
    assert desk.get(f"{EV}/branding").json["colours"] == {"vip": "#E0115F", "on-site": "#00AA00"}


def test_only_supervisors_and_admins_brand_and_edit_layouts(staff, client, token):
    _, desk = staff
    box = Api(client, token("box_office", "ev"))
    for api in (desk, box):
        assert upload(api, image_bytes()).status_code == 403
        assert api.put(f"{EV}/branding/colours", {"colours": {}}).status_code == 403
        assert api.post(f"{EV}/layouts/*/versions", {"layout": layout_doc("X")}).status_code == 403
        assert api.post(f"{EV}/layouts/*/active", {"version": None}).status_code == 403
    assert desk.get(f"{EV}/layouts").status_code == 200
    assert desk.get(f"{EV}/layouts/*/versions").status_code == 200
    gate = Api(client, token("gate", "ev"))
    assert gate.get(f"{EV}/layouts").status_code == 403
    assert gate.get(f"{EV}/branding").status_code == 403


# --- layouts: validation and versions ---

@pytest.mark.parametrize("change, field", [
    (lambda d: d["elements"][2].update(max_size=900), "layout.elements[2].max_size"),
    (lambda d: d["elements"][0].update(color="red"), "layout.elements[0].color"),
    (lambda d: d["elements"][0].pop("x"), "layout.elements[0].x"),
    (lambda d: d.update(size={"width": 76.2, "height": 20}), "layout.elements[0].height"),
    (lambda d: d["elements"].append({"kind": "image", "x": 1, "y": 1, "width": 5, "height": 5,
                                     "src": "/etc/passwd"}), "layout.elements[13].src"),
    (lambda d: d["elements"].append({"kind": "text", "x": 1, "y": 1, "width": 5, "height": 5}),
     "layout.elements[13].bind"),
    (lambda d: d.update(shape="round"), "layout.shape"),
    (lambda d: d.update(version=2), "layout.version"),
])
def test_a_bad_layout_is_refused_naming_its_path_and_nothing_is_saved(staff, change, field):
    boss, _ = staff
    doc = layout_doc("BAD")
    assert len(doc["elements"]) == 13
    change(doc)
    r = boss.post(f"{EV}/layouts/*/versions", {"layout": doc})
    assert r.status_code == 422, r.json
    assert field in r.json["errors"], r.json
    assert boss.get(f"{EV}/layouts/*/versions").json == {"target": "*", "active": None, "versions": []}


def test_non_finite_numbers_and_unknown_targets_are_refused(staff, client):
    boss, _ = staff
    body = json.dumps({"layout": layout_doc("N")}).replace('"x": 5', '"x": NaN', 1)
    r = client.post(f"{EV}/layouts/*/versions", data=body, headers={**boss.headers,
                                                                    "Content-Type": "application/json"})
    assert r.status_code in (400, 422), r.json
    r = boss.post(f"{EV}/layouts/NOPE/versions", {"layout": layout_doc("N")})
    assert r.status_code == 404
    r = boss.post(f"{EV}/layouts/*/versions", {"layout": "not an object"})
    assert r.status_code == 422 and "layout" in r.json["errors"]


def test_each_save_is_a_new_version_and_the_active_one_is_chosen(staff):
    boss, desk = staff
    one = boss.post(f"{EV}/layouts/VIP/versions", {"layout": layout_doc("FIRST"), "note": "first try"})
    assert one.status_code == 201 and one.json["version"] == 1, one.json
    two = boss.post(f"{EV}/layouts/VIP/versions", {"layout": layout_doc("SECOND"), "activate": False})
    assert two.json["version"] == 2
    listing = desk.get(f"{EV}/layouts/VIP/versions").json
    assert listing["active"] == 1 and [v["version"] for v in listing["versions"]] == [2, 1]
    assert listing["versions"][1]["note"] == "first try" and "layout" not in listing["versions"][0]
    assert desk.get(f"{EV}/layouts/VIP/versions/1").json["layout"]["name"] == "first"
    assert desk.get(f"{EV}/layouts/VIP/versions/3").status_code == 404
    r = boss.post(f"{EV}/layouts/VIP/active", {"version": 2})
    assert r.status_code == 200 and r.json["active"] == 2 and r.json["reprints_marked"] == 0
    r = boss.post(f"{EV}/layouts/VIP/active", {"version": 9})
    assert r.status_code == 422 and "version" in r.json["errors"]
    assert desk.get(f"{EV}/layouts/VIP/versions").json["active"] == 2
    for bad in ({}, {"version": "2"}, {"version": 0}, {"version": 1, "reprint": "maybe"}):
        assert boss.post(f"{EV}/layouts/VIP/active", bad).status_code == 422


# --- which layout prints ---

def test_type_layout_beats_event_layout_beats_built_in(staff, issue):
    boss, desk = staff
    ga, vip = issue(type="GA")[0], issue(type="VIP")[0]
    assert boss.post(f"{EV}/layouts/*/versions", {"layout": layout_doc("EVENTWIDE")}).status_code == 201
    assert boss.post(f"{EV}/layouts/VIP/versions", {"layout": layout_doc("VIPONLY")}).status_code == 201
    job, text = printed(desk, ga["id"])
    assert job["prints"][0]["layout"] == "event v1" and "EVENTWIDE" in text
    job, text = printed(desk, vip["id"])
    assert job["prints"][0]["layout"] == "type VIP v1" and "VIPONLY" in text and "EVENTWIDE" not in text
    types = {t["code"]: t["layout"] for t in desk.get(f"{EV}/layouts").json["types"]}
    assert types == {"GA": "event v1", "VIP": "type VIP v1"}
    # Back to the built-in layouts: the type's, then the event's override stepped away.
    boss.post(f"{EV}/layouts/VIP/active", {"version": None})
    boss.post(f"{EV}/layouts/*/active", {"version": None})
    types = {t["code"]: t["layout"] for t in desk.get(f"{EV}/layouts").json["types"]}
    assert types == {"GA": "general", "VIP": "vip"}
    job, text = printed(desk, ga["id"], reason="Lost badge")
    assert job["prints"][0]["layout"] == "general" and "EVENTWIDE" not in text
    # A layout chosen at print time still wins.
    job, _ = printed(desk, vip["id"], layout="staff", reason="Misprint")
    assert job["prints"][0]["layout"] == "staff"


def test_a_new_layout_marks_nothing_stale_unless_asked(staff, issue):
    boss, desk = staff
    ga, vip = issue(type="GA")[0], issue(type="VIP")[0]
    printed(desk, ga["id"])
    printed(desk, vip["id"])
    boss.post(f"{EV}/layouts/*/versions", {"layout": layout_doc("NEWLOOK")})
    assert desk.get(f"{EV}/badges/stale").json["tickets"] == []
    assert desk.get(f"{EV}/tickets/{ga['id']}/badge").json["badge"]["stale"] is False
    assert desk.post(JOBS, {"ticket_ids": [ga["id"]]}).status_code == 409  # still needs a reason
    # Asked: the event-wide layout reaches GA (VIP has no layout of its own, so it too).
    boss.post(f"{EV}/layouts/VIP/versions", {"layout": layout_doc("VIPLOOK"), "activate": False})
    r = boss.post(f"{EV}/layouts/*/active", {"version": 1, "reprint": True})
    assert r.json["reprints_marked"] == 2
    queue = desk.get(f"{EV}/badges/stale").json["tickets"]
    assert {t["id"] for t in queue} == {ga["id"], vip["id"]}
    assert queue[0]["change"]["action"] == "layout.activate"
    badge = desk.get(f"{EV}/tickets/{ga['id']}/badge").json["badge"]
    assert badge["stale"] is True and badge["reprint_asked"] == "layout event v1"
    job, text = printed(desk, ga["id"])  # no typed reason needed
    assert job["prints"][0]["reason"] == "layout changed" and "NEWLOOK" in text
    assert {t["id"] for t in desk.get(f"{EV}/badges/stale").json["tickets"]} == {vip["id"]}
    # A type's own layout marks only that type.
    r = boss.post(f"{EV}/layouts/VIP/active", {"version": 1, "reprint": True})
    assert r.json["reprints_marked"] == 1
    r = boss.post(f"{EV}/layouts/*/active", {"version": 1, "reprint": True})
    assert r.json["reprints_marked"] == 1  # GA only: VIP prints with its own


def test_branding_reaches_the_printed_badge_and_its_qr_still_reads(staff, issue, tmp_path):
    boss, desk = staff
    ticket = issue(type="VIP")[0]
    assert upload(boss, image_bytes(colour=(0, 0, 255))).status_code == 200
    assert boss.put(f"{EV}/branding/colours", {"colours": {"vip": "#E0115F"}}).status_code == 200
    job, _ = printed(desk, ticket["id"])
    (tmp_path / "badge.pdf").write_bytes(desk.get(job["pdf"]).data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / "badge.pdf"),
                    str(tmp_path / "badge")], check=True, timeout=60)
    image = Image.open(tmp_path / "badge.png").convert("RGB")
    px = lambda mm: round(mm / 25.4 * 150)  # noqa: E731
    # The 3:1 logo sits at the left of the VIP header (x 6-27 mm, y 4-11 mm).
    assert near(image.getpixel((px(16.5), px(7.5))), (0, 0, 255))
    assert near(image.getpixel((px(60), px(7.5))), (255, 255, 255))
    # The type band (y 83-101.6 mm) is in the event's colour between its pattern's stripes.
    strip = [image.getpixel((x, px(84))) for x in range(px(2), px(74))]
    assert sum(near(p, (0xE0, 0x11, 0x5F)) for p in strip) > len(strip) * 0.4
    assert not any(near(p, (0xB8, 0x86, 0x0B)) for p in strip)  # the built-in VIP gold is gone
    grey = np.array(image.convert("L"))
    assert scanner.decode(grey) == [ticket["code"]]


def near(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


# --- previews ---

def test_preview_renders_a_draft_or_what_prints_and_refuses_a_bad_draft(staff, issue):
    boss, desk = staff
    ticket = issue(type="GA")[0]
    r = desk.post(f"{EV}/layout-preview", {"ticket_id": ticket["id"], "dpi": 96})
    assert r.status_code == 200 and r.mimetype == "image/png"
    image = Image.open(io.BytesIO(r.data))
    assert image.mode == "RGB" and image.size == (288, 384)
    draft = layout_doc("DRAFT", background="#000000")
    dark = Image.open(io.BytesIO(desk.post(f"{EV}/layout-preview", {"ticket_id": ticket["id"], "layout": draft,
                                                                     "dpi": 96}).data))
    assert dark.getpixel((2, 150)) == (0, 0, 0) and image.getpixel((2, 150)) == (255, 255, 255)
    bad = copy.deepcopy(draft)
    bad["elements"][1]["width"] = -1
    r = desk.post(f"{EV}/layout-preview", {"ticket_id": ticket["id"], "layout": bad})
    assert r.status_code == 422 and "layout.elements[1].width" in r.json["errors"]
    assert desk.get(f"{EV}/layouts/*/versions").json["versions"] == []  # a preview saves nothing
    r = desk.post(f"{EV}/layout-preview", {"ticket_id": 999999})
    assert r.status_code == 422 and "ticket_id" in r.json["errors"]
    assert desk.post(f"{EV}/layout-preview", {"ticket_id": ticket["id"], "dpi": 5000}).status_code == 422


def test_samples_are_the_longest_name_and_one_per_script(staff, admin):
    names = ["Ann Lee", "Maximilian Alexander von Hohenberg-Wittelsbach", "محمد عبد الله", "שרה לוי",
             "प्रिया शर्मा", "王小明", "Bob Ray", "علي"]
    rows = [{"type": "GA", "holder": {"name": n}} for n in names] + [{"type": "VIP", "holder": {"name": "李"}}]
    assert admin.post(f"{EV}/tickets", {"tickets": rows}).status_code == 201
    _, desk = staff
    picked = desk.get(f"{EV}/layouts/*/samples").json["tickets"]
    assert [p["name"] for p in picked] == [names[1], "محمد عبد الله", "שרה לוי", "प्रिया शर्मा", "王小明"]
    assert picked[0]["why"] == "longest name · Latin"
    assert [p["script"] for p in picked[1:]] == ["Arabic", "Hebrew", "Devanagari", "CJK"]
    vip = desk.get(f"{EV}/layouts/VIP/samples").json["tickets"]
    assert [(p["name"], p["why"]) for p in vip] == [("李", "longest name · CJK")]


# --- two saves at once ---

def test_saves_at_once_each_get_their_own_version(app, staff):
    boss, _ = staff
    n = 6

    def work(i):
        return Api(app.test_client(), boss.headers["Authorization"][7:]).post(
            f"{EV}/layouts/GA/versions", {"layout": layout_doc(f"RACE{i}")})

    answers = run_together(n, work)
    assert [r.status_code for r in answers] == [201] * n, [r.json for r in answers]
    assert sorted(r.json["version"] for r in answers) == list(range(1, n + 1))
    listing = boss.get(f"{EV}/layouts/GA/versions").json
    assert [v["version"] for v in listing["versions"]] == list(range(n, 0, -1))
    assert listing["active"] in range(1, n + 1)


# --- no input gives a 500 or changes anything ---

@pytest.mark.parametrize("path, body", [
    ("/branding/colours", {"colours": {"vip": "#E0115F"}}),
    ("/layouts/VIP/versions", {"layout": layout_doc("FUZZ"), "note": "n", "activate": True}),
    ("/layouts/VIP/active", {"version": 1, "reprint": False}),
    ("/layout-preview", {"ticket_id": "{ticket}", "layout": layout_doc("FUZZ"), "dpi": 96}),
])
def test_bad_bodies_are_refused_and_change_nothing(app, staff, issue, path, body):
    from test_bad_input import JUNK_BODIES, assert_refused, snapshot, wrong_types

    boss, _ = staff
    ticket = issue()[0]["id"]
    body = {k: (ticket if v == "{ticket}" else v) for k, v in body.items()}
    method = boss.put if path.endswith("colours") else boss.post
    boss.get(f"{EV}/branding")  # the token's first use is recorded before the snapshot
    with app.app_context():
        before = snapshot()
    for junk in JUNK_BODIES:
        r = method(EV + path, data=junk, content_type="application/json")
        assert_refused(r, junk[:20])
    for bad in wrong_types(body):
        assert_refused(method(EV + path, bad), bad)
    with app.app_context():
        assert snapshot() == before
