"""Built-in layouts and the mapping from a ticket's badge type to a layout."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import LayoutError, UnknownLayoutError
from .layout import Layout, load_layout, parse_layout

LayoutChoice = Layout | str | Path | Mapping[str, Any] | None

_lock = threading.Lock()
_loaded: dict[str, Layout] = {}


def _layout_dir() -> Path:
    return Path(str(resources.files(__package__).joinpath("layouts")))


def layout_names() -> tuple[str, ...]:
    """Names of the built-in layouts."""
    return tuple(sorted(p.stem for p in _layout_dir().glob("*.json")))


def get_layout(name: str) -> Layout:
    """Return the built-in layout called ``name``."""
    layout = _loaded.get(name)
    if layout is not None:
        return layout
    names = layout_names()
    if name not in names:
        raise UnknownLayoutError(name, names)
    with _lock:
        layout = _loaded.get(name) or load_layout(_layout_dir() / f"{name}.json")
        _loaded[name] = layout
    return layout


def layout_document(name: str) -> dict[str, Any]:
    """The JSON document of the built-in layout called ``name`` (a starting point for an event's own)."""
    if name not in layout_names():
        raise UnknownLayoutError(name, layout_names())
    document = json.loads((_layout_dir() / f"{name}.json").read_text(encoding="utf-8"))
    document.pop("$schema", None)  # relative to the package; means nothing elsewhere
    return dict(document)


def resolve_layout(choice: LayoutChoice) -> Layout | None:
    """Turn a layout chosen at print time (object, name, file or document) into a Layout."""
    if choice is None or isinstance(choice, Layout):
        return choice
    if isinstance(choice, Path):
        return load_layout(choice)
    if isinstance(choice, str):
        if choice.endswith(".json"):
            return load_layout(choice)
        return get_layout(choice)
    if isinstance(choice, Mapping):
        return parse_layout(choice)
    raise TypeError(f"a layout must be a Layout, a name, a path or a mapping, not {type(choice).__name__}")


def normalise_badge_type(badge_type: str) -> str:
    """Fold a badge type to the mapping's key form: "On site" -> "on-site"."""
    return "-".join(badge_type.strip().lower().replace("_", " ").split())


@lru_cache(maxsize=1)
def default_type_map() -> dict[str, str | None]:
    """The built-in badge type -> layout name mapping (None: no badge)."""
    text = resources.files(__package__).joinpath("badge_types.json").read_text(encoding="utf-8")
    types = check_type_map(json.loads(text)["types"], source="badge_types.json")
    if "*" not in types:
        raise LayoutError("badge_types.json", "types.*", "a default ('*') layout is required")
    return types


def check_type_map(types: Mapping[str, Any], source: str = "badge type map") -> dict[str, str | None]:
    """Validate a badge type -> layout name mapping and return it with folded keys."""
    if not isinstance(types, Mapping):
        raise LayoutError(source, "types", "must be a mapping of badge type to layout name")
    known = set(layout_names())
    checked: dict[str, str | None] = {}
    for key, value in types.items():
        if value is not None and not isinstance(value, str):
            raise LayoutError(source, f"types.{key}", "must be a layout name or null (no badge)")
        if isinstance(value, str) and value not in known:
            raise LayoutError(source, f"types.{key}", f"unknown layout {value!r}")
        checked[key if key == "*" else normalise_badge_type(key)] = value
    return checked


def type_map(overrides: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
    """The built-in mapping with ``overrides`` (an event's own choices) applied."""
    types = dict(default_type_map())
    if overrides:
        types.update(check_type_map(overrides))
    return types


def layout_name_for(badge_type: str, types: Mapping[str, str | None]) -> str | None:
    """The layout name a checked mapping gives a badge type (None: no badge)."""
    key = normalise_badge_type(badge_type or "")
    return types[key] if key in types else types["*"]


def layout_for(badge_type: str, mapping: Mapping[str, str | None] | None = None) -> Layout | None:
    """The layout for a badge type, or None when that type gets no badge."""
    name = layout_name_for(badge_type, type_map(mapping))
    return None if name is None else get_layout(name)


def needs_badge(badge_type: str, mapping: Mapping[str, str | None] | None = None) -> bool:
    """True unless the badge type maps to "no badge"."""
    return layout_name_for(badge_type, type_map(mapping)) is not None
