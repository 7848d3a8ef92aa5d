"""Layouts: built-ins render everywhere, schema errors name the field, badge type mapping."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import badges
from badges import LayoutError, NoBadgeError
from badges.layout import BandElement, BorderElement, TextElement

BUILT_IN = ("general", "onsite", "speaker", "sponsor", "staff", "student", "vip")


def test_every_badge_type_has_a_built_in_layout() -> None:
    assert badges.layout_names() == BUILT_IN


@pytest.mark.parametrize("page", sorted(badges.PAGES))
def test_every_built_in_layout_renders_on_every_page_profile(page: str, make_badge, page_count) -> None:
    tickets = [make_badge(badge_type=name, type_name=name.title()) for name in BUILT_IN]
    pdf = badges.render(tickets, page=page)
    assert pdf.startswith(b"%PDF-")
    per_page = badges.PAGES[page].per_page
    assert page_count(pdf) == -(-len(BUILT_IN) // per_page)


def test_layout_chosen_by_name_overrides_the_mapping(make_badge, page_text) -> None:
    ticket = make_badge(badge_type="general", type_name="")
    assert "VIP" in page_text(badges.render(ticket, layout="vip"), 0)
    assert "GENERAL" in page_text(badges.render(ticket), 0)


def test_each_type_reads_in_black_and_white() -> None:
    """The type name is large and bold, and every type has its own band pattern and a border."""
    patterns = []
    for name in BUILT_IN:
        layout = badges.get_layout(name)
        texts = [e for e in layout.elements if isinstance(e, TextElement) and e.bind == "type_name"]
        assert texts and all(e.bold and e.max_size >= 18 for e in texts), name
        patterns.extend(e.pattern for e in layout.elements if isinstance(e, BandElement))
        assert any(isinstance(e, BorderElement) for e in layout.elements), name
    assert len(set(patterns)) == len(BUILT_IN)


def _doc() -> dict[str, Any]:
    path = Path(badges.__file__).parent / "layouts" / "general.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _with(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(_doc())
    change(doc)
    return doc


BAD_LAYOUTS = [
    ("missing name", lambda d: d.pop("name"), "name"),
    ("wrong version", lambda d: d.update(version=2), "version"),
    ("negative size", lambda d: d["size"].update(width=-5), "size.width"),
    ("bad font size", lambda d: d["elements"][2].update(max_size=-1), "elements[2].max_size"),
    ("typo in a field", lambda d: d["elements"][0].update(colour="#FF0000"), "elements[0].colour"),
    ("bad colour", lambda d: d["elements"][0].update(color="red"), "elements[0].color"),
    ("unknown kind", lambda d: d["elements"][3].update(kind="circle"), "elements[3].kind"),
    ("unknown binding", lambda d: d["elements"][6].update(bind="email"), "elements[6].bind"),
    ("missing x", lambda d: d["elements"][8].pop("x"), "elements[8].x"),
    ("past the edge", lambda d: d["elements"][6].update(width=90), "elements[6].width"),
    ("qr past the edge", lambda d: d["elements"][8].update(size=80), "elements[8].size"),
    ("min above max", lambda d: d["elements"][6].update(min_size=40), "elements[6].min_size"),
    ("bind and text", lambda d: d["elements"][6].update(text="Hello"), "elements[6].bind"),
    ("bad mask", lambda d: d["elements"][8].update(mask=9), "elements[8].mask"),
    (
        "missing image",
        lambda d: d["elements"].append(
            {"kind": "image", "x": 1, "y": 1, "width": 10, "height": 10, "src": "nowhere.png"}
        ),
        "elements[12].src",
    ),
]


@pytest.mark.parametrize(("change", "field"), [(c, f) for _, c, f in BAD_LAYOUTS], ids=[i for i, _, _ in BAD_LAYOUTS])
def test_layout_errors_name_the_offending_field(change, field: str) -> None:
    with pytest.raises(LayoutError) as caught:
        badges.parse_layout(_with(change))
    assert caught.value.field == field
    assert field in str(caught.value)


def test_built_in_layout_documents_pass_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    for path in (Path(badges.__file__).parent / "layouts").glob("*.json"):
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), badges.schema())


def test_layout_from_a_file_with_an_image(tmp_path: Path, make_badge, page_count) -> None:
    from PIL import Image

    Image.new("RGB", (40, 20), (200, 30, 30)).save(tmp_path / "logo.png")
    doc = _doc()
    doc["name"] = "with-logo"
    doc["elements"].append({"kind": "image", "x": 5, "y": 2, "width": 15, "height": 8, "src": "logo.png"})
    (tmp_path / "with-logo.json").write_text(json.dumps(doc), encoding="utf-8")
    pdf = badges.render([make_badge(), make_badge()], layout=tmp_path / "with-logo.json")
    assert page_count(pdf) == 2
    assert pdf.count(b"/Subtype /Image") == 1  # embedded once for the job


def test_invalid_json_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(LayoutError, match="line 1"):
        badges.load_layout(tmp_path / "broken.json")


def test_unknown_layout_name_lists_the_known_ones() -> None:
    with pytest.raises(badges.UnknownLayoutError, match="general"):
        badges.get_layout("gala")


def test_no_badge_mapping(make_badge) -> None:
    assert badges.layout_for("none") is None
    assert not badges.needs_badge("No badge")
    assert badges.needs_badge("VIP")
    assert badges.layout_for("On site").name == "onsite"
    assert badges.layout_for("walk_in").name == "onsite"
    assert badges.layout_for("something new").name == "general"
    ticket = make_badge(badge_type="none", serial="T-42")
    with pytest.raises(NoBadgeError, match="T-42"):
        badges.render([make_badge(), ticket])
    assert badges.render(ticket, layout="general").startswith(b"%PDF")


def test_event_mapping_overrides(make_badge) -> None:
    assert badges.layout_for("vip", {"vip": None}) is None
    assert badges.layout_for("student", {"student": "general"}).name == "general"
    with pytest.raises(LayoutError, match=r"types\.vip"):
        badges.layout_for("vip", {"vip": "gala"})
    with pytest.raises(NoBadgeError):
        badges.render(make_badge(badge_type="vip"), types={"vip": None})
