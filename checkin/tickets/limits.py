"""How far a correction may move a holder's detail before it is a different person (or firm).

Changes of case, accents, spacing and punctuation, and words in another
order, are always a correction ("jose  garcia" -> "José García", "Wei Li" ->
"Li Wei"). Otherwise the edit distance between the folded texts is bounded
relative to their length (rapidfuzz's Levenshtein): a name by a quarter of
its letters, at least one ("Jon" -> "John", "Mohammed" -> "Muhammad"), so
"Ann Lee" cannot become "Bob Lee"; a company by a third, at least two, and
a company may also be filled in, cleared, or written longer or shorter
("ACME" -> "ACME Corporation").
"""
import unicodedata

from rapidfuzz.distance import Levenshtein

# API field -> ticket column, for every detail a correction may change.
FIELDS = {"name": "holder_name", "company": "holder_company"}
# Per field: the share of the longer folded text that may change, and the least change always allowed.
BOUNDS = {"name": (1 / 4, 1), "company": (1 / 3, 2)}


def fold(text: str) -> str:
    """Lower case, accents and punctuation dropped: what stays of a text when only its surface changes."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.split())


def _edits(a: str, b: str) -> int:
    """Characters changed, with the words in either order (a reordering alone changes none)."""
    return min(Levenshtein.distance(a, b), Levenshtein.distance(" ".join(sorted(a.split())),
                                                                 " ".join(sorted(b.split()))))


def allowed_edits(field: str, old: str, new: str) -> int:
    """How many characters a correction of `field` may change between these two texts."""
    share, least = BOUNDS[field]
    return max(least, int(max(len(old), len(new)) * share))


def beyond_correction(field: str, old: str | None, new: str | None) -> str | None:
    """Why changing `old` to `new` is more than a correction of `field`, or None when it is one."""
    if old is None or new is None:
        return None if field != "name" else "a name cannot be added or removed"
    a, b = fold(old), fold(new)
    if a == b or (field == "company" and a and b and (a in b or b in a)):
        return None
    edits, bound = _edits(a, b), allowed_edits(field, a, b)
    if edits <= bound:
        return None
    return f"more than a correction: {edits} characters change, a correction changes at most {bound}"
