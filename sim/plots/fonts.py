"""Fonts for names that DejaVu Sans (matplotlib's default) cannot draw, such as Chinese.

A scenario's names (the scenario, sites, projects, targets, variants) may be in any script. When
they use characters DejaVu Sans lacks, :func:`font_context` looks through the fonts installed on
the machine (matplotlib's font manager) for one of :data:`FALLBACK_FONTS` that has them, and draws
with DejaVu Sans first and that font for the rest. When none is installed it warns once, naming
what to install, and the characters show as boxes. Nothing is changed outside the ``with`` block.

Inside :func:`font_context` every text is drawn as written (:data:`PLAIN_TEXT`): a name or label
with ``$`` (``"$5 and $6"``, ``"$$"``), ``\\``, ``_`` or ``^`` is text, never matplotlib mathtext
(which would draw it wrongly or fail on it); capsim's plots use no mathtext of their own.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterable, Iterator
from functools import lru_cache

import matplotlib
from matplotlib import font_manager

DEFAULT_FONT = "DejaVu Sans"
FALLBACK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
    "Source Han Sans CN", "Source Han Sans", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback",
    "AR PL UMing CN", "SimHei", "Microsoft YaHei", "PingFang SC", "Noto Sans",
)
"""Fonts tried in order for characters DejaVu Sans lacks (CJK first)."""
PLAIN_TEXT = {"text.parse_math": False}
"""matplotlib settings inside :func:`font_context`: user texts (scenario, site, project, target and
variant names, labels) are drawn as plain text, never parsed as mathtext."""
INSTALL_HINT = "install a font for them, e.g. Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk)"


class MissingFontWarning(UserWarning):
    """Names in a plot use characters that no installed font can draw."""


@lru_cache(maxsize=None)
def _charmap(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    try:
        return frozenset(FT2Font(path).get_charmap())
    except (OSError, RuntimeError):
        return frozenset()


def _installed() -> dict[str, str]:
    """Family name -> file of every font matplotlib knows (first file per family)."""
    out: dict[str, str] = {}
    for entry in font_manager.fontManager.ttflist:
        out.setdefault(entry.name, entry.fname)
    return out


def missing_characters(texts: Iterable[str]) -> str:
    """The characters of ``texts`` DejaVu Sans cannot draw, in order of first appearance."""
    default = _charmap(font_manager.findfont(DEFAULT_FONT, fallback_to_default=True))
    seen = dict.fromkeys(c for text in texts for c in str(text) if not c.isspace() and ord(c) not in default)
    return "".join(seen)


def fallback_font(characters: str) -> str | None:
    """The first of :data:`FALLBACK_FONTS` installed that has every one of ``characters``. A font
    installed after matplotlib built its font cache is found too (the system's font folders are
    searched once when the cache has none)."""
    for attempt in range(2):
        installed = _installed()
        for name in FALLBACK_FONTS:
            if name in installed and all(ord(c) in _charmap(installed[name]) for c in characters):
                return name
        if attempt == 0 and not _add_new_system_fonts():
            break
    return None


@lru_cache(maxsize=1)
def _add_new_system_fonts() -> int:
    """Add to matplotlib's font manager the system's font files it does not know yet; how many."""
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    added = 0
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                font_manager.fontManager.addfont(path)
                added += 1
            except (OSError, RuntimeError, ValueError):
                continue
    return added


@contextlib.contextmanager
def font_context(texts: Iterable[str]) -> Iterator[str | None]:
    """Draw (create and save figures) inside this block so that ``texts`` render: yields the
    fallback font used, or None (nothing needed, or nothing installed: one warning); every text
    drawn inside it is plain text, never mathtext (:data:`PLAIN_TEXT`)."""
    with matplotlib.rc_context(PLAIN_TEXT):
        with _fallback_font(texts) as name:
            yield name


@contextlib.contextmanager
def _fallback_font(texts: Iterable[str]) -> Iterator[str | None]:
    missing = missing_characters(texts)
    if not missing:
        yield None
        return
    name = fallback_font(missing)
    if name is None:
        warnings.warn(f"plots: names use characters no installed font has ({missing[:10]!r}); they show as "
                      f"boxes; {INSTALL_HINT}", MissingFontWarning, stacklevel=3)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Glyph .* missing from")  # said once, above
            yield None
        return
    logger = logging.getLogger("matplotlib.font_manager")  # "no bold weight" for a one-weight CJK font
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with matplotlib.rc_context({"font.family": [DEFAULT_FONT, name]}):
            yield name
    finally:
        logger.setLevel(level)
