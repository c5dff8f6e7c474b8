"""Cleaning what people type before it is stored."""

import re
import unicodedata

# Control characters, bidirectional overrides and zero-width characters: they can hide or
# reorder text on another participant's screen.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r"[ \t]+")


def clean_line(value: str) -> str:
    """One line of text (a name): invisible characters removed, spaces collapsed."""
    value = unicodedata.normalize("NFC", value)
    value = _INVISIBLE.sub("", value.replace("\n", " ").replace("\r", " "))
    return _SPACES.sub(" ", value).strip()


def clean_text(value: str) -> str:
    """Free text (a rationale, a message): line breaks kept, invisible characters removed."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return _INVISIBLE.sub("", value).strip()
