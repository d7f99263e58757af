"""ASCII URL slugs for tags: readable romanization of the normalized Arabic form.

python-slugify's transliteration turns Arabic into nonsense and percent-encoded Arabic URLs
are five times longer than the title, so tags get a simple letter-by-letter romanization.
Different letters can romanize alike (ح/ه, س/ص): the site index refuses two tags that would
share a URL instead of silently merging them.
"""

from __future__ import annotations

import re

from .arabic import normalize

_ROMAN = str.maketrans(
    {
        "ا": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d",
        "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t",
        "ظ": "z", "ع": "a", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m",
        "ن": "n", "ه": "h", "و": "w", "ي": "y", "ء": "", "پ": "p", "چ": "ch", "ڤ": "v",
        "گ": "g", "ی": "y", "ک": "k",
    }
)  # fmt: skip
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """ASCII slug of Arabic or Latin text: 'الأمن الأوروبي' → 'alamn-alawrwby'."""
    roman = normalize(text).lower().translate(_ROMAN)
    return _NOT_SLUG.sub("-", roman).strip("-")
