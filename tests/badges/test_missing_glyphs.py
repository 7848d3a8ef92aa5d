"""A badge never prints empty boxes: characters no installed font draws are refused by name,
and fonts installed while the service runs are used at the next badge."""
import shutil
from pathlib import Path

import pytest

import badges
from badges import fonts

NOTO = Path("/usr/share/fonts/truetype/noto")


@pytest.fixture
def font_dir(tmp_path, monkeypatch):
    """A font folder holding only Noto Sans (Latin, Greek, Cyrillic), and nothing else searched."""
    if not (NOTO / "NotoSans-Regular.ttf").is_file():
        pytest.skip("fonts-noto-core is not installed")
    for name in ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"):
        shutil.copy(NOTO / name, tmp_path / name)
    monkeypatch.setattr(fonts, "DEFAULT_FONT_DIRS", ())
    monkeypatch.setenv("BADGE_FONT_DIRS", str(tmp_path))
    return tmp_path


def test_missing_glyphs_names_each_character_once_and_ignores_spaces_and_joiners(font_dir):
    assert fonts.missing_glyphs("Zoë Ωmega Ж") == []
    assert fonts.missing_glyphs("Noah محمد محمد") == ["م", "ح", "د"]
    assert fonts.missing_glyphs("a\u200db\u00a0c\ufe0f") == []


def test_a_badge_with_an_undrawable_name_is_refused_naming_field_and_characters(font_dir):
    with pytest.raises(badges.MissingGlyphError) as refused:
        badges.render(badges.BadgeData(name="Noah שרה", company="Acme", serial="003001", code="X"))
    assert refused.value.field == "name" and refused.value.characters == ["ש", "ר", "ה"]
    assert "U+05E9" in str(refused.value) and "003001" in str(refused.value)
    with pytest.raises(badges.MissingGlyphError) as refused:
        badges.render(badges.BadgeData(name="Noah", company="شركة", code="X"))
    assert refused.value.field == "company"


def test_fonts_installed_after_start_are_found_without_a_restart(font_dir):
    data = badges.BadgeData(name="Noah محمد", code="X")
    with pytest.raises(badges.MissingGlyphError):
        badges.render(data)
    for name in ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"):
        shutil.copy(NOTO / name, font_dir / name)
    assert badges.render(data).startswith(b"%PDF")
