"""Errors raised by the badge library."""

from __future__ import annotations


class BadgeError(Exception):
    """Base class for every error the badge library raises."""


class LayoutError(BadgeError):
    """A layout document is invalid; ``field`` names the offending value."""

    def __init__(self, layout: str, field: str, message: str) -> None:
        self.layout = layout
        self.field = field
        self.message = message
        super().__init__(f"layout {layout!r}: {field}: {message}")


class UnknownLayoutError(BadgeError, KeyError):
    """No layout with that name exists."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        self.name = name
        super().__init__(f"unknown layout {name!r}; known layouts: {', '.join(known)}")

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownPageError(BadgeError, KeyError):
    """No page profile with that name exists."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        self.name = name
        super().__init__(f"unknown page profile {name!r}; known profiles: {', '.join(known)}")

    def __str__(self) -> str:
        return str(self.args[0])


class NoBadgeError(BadgeError):
    """A ticket's badge type maps to "no badge" and no layout was chosen."""

    def __init__(self, serials: list[str]) -> None:
        self.serials = serials
        super().__init__("no badge is printed for these tickets: " + ", ".join(serials))


class FontNotFoundError(BadgeError):
    """None of the fonts of the fallback chain exists on this machine."""

    def __init__(self, names: list[str], dirs: list[str]) -> None:
        self.names = names
        self.dirs = dirs
        super().__init__(
            "no badge font found: looked for "
            + ", ".join(names)
            + " in "
            + ", ".join(dirs)
            + " (install fonts-noto-core and fonts-dejavu-core, or set BADGE_FONT_DIRS)"
        )


class MissingGlyphError(BadgeError):
    """A badge would show characters no installed font can draw: they would print as empty boxes."""

    def __init__(self, badge: str, field: str, characters: list[str]) -> None:
        self.badge = badge
        self.field = field
        self.characters = characters
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in characters)
        super().__init__(
            f"no installed font can draw {shown} in the {field} of badge {badge}: install the fonts "
            f"`gate doctor` names (e.g. fonts-noto-core) or correct the {field}"
        )


class TicketDataError(BadgeError, ValueError):
    """Ticket data handed to the renderer is missing a field or has a wrong type."""
