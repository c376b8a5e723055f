"""Markdown built from data, escaped: the approval gate's body is rendered by Airflow's UI, and a source id
or a name from an upload or a config must show as the text it is, never as a link, an image or markup."""

from __future__ import annotations

import re
from urllib.parse import quote

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
"""Every ASCII punctuation character: CommonMark lets a backslash make any of them literal."""


def _flat(value: object) -> str:
    """One line: control characters and line breaks (which could start a new block) become a space."""
    return _CONTROL.sub(" ", str(value)).strip()


def plain(value: object) -> str:
    """One line of plain text, not Markdown (a subject line)."""
    return _flat(value)


def text(value: object) -> str:
    """Plain text: every punctuation character backslash-escaped, so nothing in it is markup."""
    return _PUNCTUATION.sub(r"\\\1", _flat(value))


def code(value: object) -> str:
    """A code span holding `value` literally: fenced by more backticks than any run inside it."""
    flat = _flat(value)
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def url(address: str) -> str:
    """A link destination that cannot close the link early (no space, parenthesis or angle bracket)."""
    return quote(_flat(address), safe=":/?#=&%~._-+,;@!$*")


def link(label: object, address: str) -> str:
    """A link whose label is escaped text and whose destination is `url(address)`."""
    return f"[{text(label)}]({url(address)})"
