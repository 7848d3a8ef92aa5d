"""Turning the bytes a QR code carries into text, without ever failing."""

from __future__ import annotations

__all__ = ["payload_text", "repair_mojibake"]

# Japanese code pages zbar may have guessed for a byte payload; cp932 is the
# Windows superset that covers a few characters plain Shift_JIS lacks.
_SJIS_CODECS = ("shift_jis", "cp932")


def payload_text(data: bytes) -> str:
    """Decode a QR payload: UTF-8 first, then Shift_JIS, then Latin-1 (which never fails)."""
    try:
        return repair_mojibake(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    # QR's default byte encoding is Latin-1, but Japanese encoders write Shift_JIS
    # unannounced; only prefer it when it yields actual Japanese characters.
    try:
        text = data.decode("shift_jis")
    except UnicodeDecodeError:
        return data.decode("latin-1")
    return text if _has_japanese(text) else data.decode("latin-1")


def repair_mojibake(text: str) -> str:
    """Undo a UTF-8 payload misread as Shift_JIS or Latin-1 and re-encoded as UTF-8."""
    if text.isascii():
        return text
    # zbar guesses the encoding of payloads without an ECI marker and sometimes
    # takes UTF-8 bytes for Shift_JIS; the round trip back recovers the original.
    for codec in (*_SJIS_CODECS, "latin-1"):
        try:
            original = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if not original.isascii():
            return original
    return text


def _has_japanese(text: str) -> bool:
    return any(
        "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or "\uff61" <= ch <= "\uff9f"
        for ch in text
    )
