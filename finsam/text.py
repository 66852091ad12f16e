"""Text helpers: sorting names in Swedish order, and lists of names in a sentence.

Swedish puts å, ä and ö after z (… X, Y, Z, Å, Ä, Ö). The database cannot be
relied on for that (SQLite compares code points, where Ä comes before Å), so
lists of names are sorted in Python with `swedish_sort_key`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.utils.text import get_text_list, slugify
from django.utils.translation import gettext as _

# Swedish alphabetical order (SAOL; v and w are separate letters since 2006).
ALPHABET = "abcdefghijklmnopqrstuvwxyzåäö"
# Letters that sort as another Swedish letter: æ as ä, ø as ö, ü as y (Svenska
# Akademiens ordlista); other accented letters as the bare letter (é as e).
AS_LETTER = {"æ": "ä", "ø": "ö", "ü": "y", "ß": "ss"}
_RANK = {letter: index for index, letter in enumerate(ALPHABET)}


def is_whole_number(text: str) -> bool:
    """Only the digits 0-9, at least one: what int() reads as people mean it.

    str.isdigit() alone also takes "²" (which int() refuses, a server error) and
    Arabic-Indic or fullwidth digits, which nobody types into a number here."""
    return text.isascii() and text.isdigit()


def and_list(names: Iterable[object]) -> str:
    """ "A", "A och B", "A, B och C" (Django's get_text_list, in Swedish)."""
    return str(get_text_list([str(name) for name in names], _("och")))


def _base_letters(text: str) -> str:
    """Lower case, with the letters that are not Swedish reduced to their sort letter."""
    out = []
    for char in text.casefold():
        if char in _RANK:
            out.append(char)
        elif char in AS_LETTER:
            out.append(AS_LETTER[char])
        else:
            # é → e + combining accent: keep the base letter.
            decomposed = unicodedata.normalize("NFD", char)
            out.append(decomposed[0] if decomposed[0].isalpha() else char)
    return "".join(out)


def swedish_sort_key(text: str) -> tuple[tuple[tuple[int, int], ...], str]:
    """Sort key for a name in Swedish order; case and accents only break ties.

    Digits come before letters, letters in Swedish order, anything else
    (spaces, punctuation) first, by code point.
    """
    primary = []
    for char in _base_letters(text or ""):
        if char in _RANK:
            primary.append((2, _RANK[char]))
        elif char.isdigit():
            primary.append((1, ord(char)))
        elif char.isalpha():
            primary.append((3, ord(char)))
        else:
            primary.append((0, ord(char)))
    return tuple(primary), text or ""


# Words every förbund's name starts with, left out of its web address ("Samordnings-
# förbundet Kramfors" is /f/kramfors/).
_NAME_PREFIXES = ("samordningsförbundet", "samordningsförbund")
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


# Letters slugify would drop: æ → ae, ø → o.
_LETTER_MAP: dict[str, str | int | None] = {"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "ß": "ss"}
_LETTERS = str.maketrans(_LETTER_MAP)


def slug_from_name(name: str, *, max_length: int = 80) -> str:
    """The web address part derived from a förbund's name: lower case ASCII words
    joined by hyphens (å, ä → a, ö → o, æ → ae, ø → o), without the common prefix.
    Empty when the name has no letter or digit."""
    words = name.split()
    while len(words) > 1 and words[0].casefold() in _NAME_PREFIXES:
        words = words[1:]
    text = " ".join(words).translate(_LETTERS)
    slug = slugify(text)[:max_length].strip("-")
    return "-".join(part for part in slug.replace("_", "-").split("-") if part)
