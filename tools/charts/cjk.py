"""Chinese (CJK) text on charts: a figure with CJK text is drawn in a CJK font, with a warning when none exists.

Matplotlib's default font (DejaVu Sans) has no Chinese glyphs: titles would show empty boxes. ``use_cjk_font(fig)``
looks for CJK text among the figure's artists and, if it finds some, sets a font list on every text artist (and
on the axes' tick labels) that starts with an installed CJK font and falls back to DejaVu Sans for Latin text
(matplotlib >= 3.6 falls back glyph by glyph). The font comes from a system package: Debian's ``fonts-noto-cjk``
(Noto Sans CJK SC). Nothing global (rcParams) is changed.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
#: Families tried in order (Simplified Chinese first), and files to register if matplotlib's cache predates them.
FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
            "WenQuanYi Micro Hei", "Noto Sans CJK JP", "Droid Sans Fallback")
FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
              "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
              "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
MISSING = ("Chinese text on this chart may show as empty boxes: no CJK font is installed. "
           "Install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) and restart ShopLens.")


def has_cjk(text: object) -> bool:
    return bool(_CJK.search(str(text or "")))


@functools.cache
def cjk_family() -> str | None:
    """The first installed CJK font family, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in FAMILIES:
        if family in names:
            return family
    for path in FONT_FILES:  # installed after matplotlib built its font cache
        if Path(path).is_file():
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in FAMILIES if family in names), None)


def use_cjk_font(fig: Figure, extra_text: list[str] | None = None) -> list[str]:
    """Switch the figure's text to a CJK font when it has CJK text; the warnings to show (none, or MISSING)."""
    from matplotlib.text import Text

    texts = fig.findobj(Text)
    if not any(has_cjk(t.get_text()) for t in texts) and not any(has_cjk(t) for t in extra_text or []):
        return []
    family = cjk_family()
    if family is None:
        return [MISSING]
    families = [family, "DejaVu Sans"]
    for t in texts:
        t.set_fontfamily(families)
    for ax in fig.axes:
        ax.tick_params(labelfontfamily=family)
    return []
