"""The badge layout format (JSON, version 1): model, schema check and loading."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import LayoutError

if TYPE_CHECKING:
    import jsonschema

_EPSILON = 0.01  # mm; layouts are hand-written, so allow for rounding
# An image element with this src shows the event's logo, or nothing when the event has none.
LOGO_SRC = "event-logo"


@dataclass(frozen=True)
class TextElement:
    """Text bound to a ticket field (``bind``) or fixed (``text``), fitted to its box."""

    kind: ClassVar[str] = "text"
    x: float
    y: float
    width: float
    height: float
    bind: str | None = None
    text: str | None = None
    max_size: float = 12.0
    min_size: float = 6.0
    lines: int = 1
    align: str = "center"
    valign: str = "middle"
    bold: bool = False
    upper: bool = False
    color: str = "#000000"
    background: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class QrElement:
    """The ticket's code as a QR; ``size`` includes the quiet zone."""

    kind: ClassVar[str] = "qr"
    x: float
    y: float
    size: float
    quiet: int = 4
    error: str = "M"
    mask: int | None = 2
    color: str = "#000000"
    id: str | None = None


@dataclass(frozen=True)
class ImageElement:
    """A raster image; ``src`` is relative to the layout file, or ``event-logo`` for the event's own logo."""

    kind: ClassVar[str] = "image"
    x: float
    y: float
    width: float
    height: float
    src: str
    fit: str = "contain"
    id: str | None = None


@dataclass(frozen=True)
class BandElement:
    """A coloured band with a pattern, so the type still shows when printed in black."""

    kind: ClassVar[str] = "band"
    x: float
    y: float
    width: float
    height: float
    color: str
    pattern: str = "solid"
    pattern_color: str = "#000000"
    pitch: float = 3.0
    id: str | None = None


@dataclass(frozen=True)
class RectElement:
    """A rectangle, filled and/or stroked, optionally rounded or dashed."""

    kind: ClassVar[str] = "rect"
    x: float
    y: float
    width: float
    height: float
    fill: str | None = None
    stroke: str | None = None
    line_width: float = 0.3
    radius: float = 0.0
    dash: tuple[float, float] | None = None
    id: str | None = None


@dataclass(frozen=True)
class LineElement:
    """A straight line."""

    kind: ClassVar[str] = "line"
    x1: float
    y1: float
    x2: float
    y2: float
    color: str = "#000000"
    line_width: float = 0.3
    dash: tuple[float, float] | None = None
    id: str | None = None


@dataclass(frozen=True)
class BorderElement:
    """A frame around the whole badge; its style tells badge types apart in black and white."""

    kind: ClassVar[str] = "border"
    inset: float = 1.5
    line_width: float = 0.5
    style: str = "solid"
    color: str = "#000000"
    radius: float = 0.0
    id: str | None = None


Element = TextElement | QrElement | ImageElement | BandElement | RectElement | LineElement | BorderElement
_KINDS: dict[str, type] = {
    cls.kind: cls
    for cls in (TextElement, QrElement, ImageElement, BandElement, RectElement, LineElement, BorderElement)
}


@dataclass(frozen=True)
class Layout:
    """A parsed, checked layout; sizes in millimetres."""

    name: str
    title: str
    width: float
    height: float
    elements: tuple[Element, ...]
    background: str = "#FFFFFF"
    base_dir: Path | None = field(default=None, compare=False)
    # Images given with the layout rather than read from files, by the ``src`` that names them.
    images: Mapping[str, bytes] = field(default_factory=dict, compare=False)

    @property
    def landscape(self) -> bool:
        """True when the badge is wider than tall."""
        return self.width > self.height


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON schema of the layout format."""
    text = resources.files(__package__).joinpath("layout.schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    # Imported on first use: it is only needed when a layout is loaded, and
    # importing it costs as much as the rest of the package.
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


def _best_match(errors: list[jsonschema.ValidationError]) -> jsonschema.ValidationError:
    from jsonschema.exceptions import best_match

    found = best_match(errors)
    assert found is not None
    return found


def _field_path(error: jsonschema.ValidationError) -> str:
    """Name the offending field, e.g. ``elements[3].max_size``."""
    parts: list[str] = []
    for item in error.absolute_path:
        parts.append(f"[{item}]" if isinstance(item, int) else f".{item}")
    instance = error.instance
    if error.validator == "required" and isinstance(instance, Mapping):
        missing = [name for name in error.validator_value if name not in instance]
        parts.append(f".{missing[0]}")
    elif error.validator == "additionalProperties" and isinstance(instance, Mapping):
        allowed = error.schema.get("properties", {})
        extra = [name for name in instance if name not in allowed]
        parts.append(f".{extra[0]}")
    return "".join(parts).lstrip(".") or "(layout)"


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        return "is required"
    if error.validator == "additionalProperties":
        return "is not a known field here"
    if error.validator == "pattern" and str(error.validator_value).startswith("^#"):
        return f"{error.instance!r} is not a colour like '#1A2B3C'"
    return str(error.message)


def parse_layout(data: Any, base_dir: Path | None = None, source: str | None = None) -> Layout:
    """Check a layout document against the schema and build a Layout.

    Raises LayoutError naming the offending field.
    """
    label = source or (data.get("name") if isinstance(data, Mapping) else None) or "<layout>"
    errors = sorted(_validator().iter_errors(data), key=lambda e: (len(e.absolute_path), e.path))
    if errors:
        error = _best_match(errors)
        raise LayoutError(str(label), _field_path(error), _schema_message(error))
    elements = tuple(_build(raw) for raw in data["elements"])
    layout = Layout(
        name=data["name"],
        title=data.get("title", data["name"].title()),
        width=float(data["size"]["width"]),
        height=float(data["size"]["height"]),
        elements=elements,
        background=data.get("background", "#FFFFFF"),
        base_dir=base_dir,
    )
    for index, element in enumerate(elements):
        _check(layout, element, f"elements[{index}]", str(label))
    return layout


def _build(raw: Mapping[str, Any]) -> Element:
    values = {key: value for key, value in raw.items() if key != "kind"}
    if "dash" in values:
        values["dash"] = tuple(values["dash"])
    element: Element = _KINDS[raw["kind"]](**values)
    return element


def _check(layout: Layout, element: Element, where: str, label: str) -> None:
    """Checks the schema cannot express: bounds, size order, one text source, files."""
    if isinstance(element, TextElement):
        if (element.bind is None) == (element.text is None):
            raise LayoutError(label, f"{where}.bind", "a text element needs exactly one of 'bind' or 'text'")
        if element.min_size > element.max_size:
            raise LayoutError(label, f"{where}.min_size", f"{element.min_size} is larger than max_size")
    if isinstance(element, ImageElement) and element.src != LOGO_SRC:
        path = resolve_src(layout, element.src)
        if not path.is_file():
            raise LayoutError(label, f"{where}.src", f"image file {str(path)!r} not found")
    for name, end, limit in _extents(element, layout):
        if end > limit + _EPSILON:
            raise LayoutError(label, f"{where}.{name}", f"reaches past the badge edge ({end:g} > {limit:g} mm)")


def _extents(element: Element, layout: Layout) -> list[tuple[str, float, float]]:
    if isinstance(element, LineElement):
        return [
            ("x1", element.x1, layout.width),
            ("x2", element.x2, layout.width),
            ("y1", element.y1, layout.height),
            ("y2", element.y2, layout.height),
        ]
    if isinstance(element, BorderElement):
        smaller = min(layout.width, layout.height) / 2
        return [("inset", element.inset, smaller)]
    if isinstance(element, QrElement):
        return [("size", element.x + element.size, layout.width), ("size", element.y + element.size, layout.height)]
    return [("width", element.x + element.width, layout.width), ("height", element.y + element.height, layout.height)]


def resolve_src(layout: Layout, src: str) -> Path:
    """The path of an image named by a layout."""
    path = Path(src)
    if not path.is_absolute() and layout.base_dir is not None:
        path = layout.base_dir / path
    return path


def load_layout(path: str | Path) -> Layout:
    """Read, check and return the layout in a JSON file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise LayoutError(path.name, f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    return parse_layout(data, base_dir=path.parent, source=path.name)
