"""Make the CJK font the printable application embeds: Noto Sans CJK SC (SIL OFL 1.1) cut down to
the characters an application uses (ASCII, Latin-1, punctuation, CJK symbols, all CJK Unified
Ideographs U+4E00-U+9FFF, full-width forms), about 5 MB instead of 16.

    python tools/subset_font.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \\
        src/gongyi/printing/fonts/NotoSansCJKsc-Regular-subset.otf

The source is a collection (.ttc, Debian's fonts-noto-cjk) or the single NotoSansCJKsc-Regular.otf.
"""
from __future__ import annotations

import sys

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x214F), (0x2190, 0x21FF), (0x2460, 0x24FF),
          (0x2500, 0x257F), (0x25A0, 0x25FF), (0x3000, 0x303F), (0x3200, 0x32FF), (0x4E00, 0x9FFF),
          (0xFF00, 0xFFEF)]
FACE = "Noto Sans CJK SC"


def main(source: str, target: str) -> None:
    if source.endswith(".ttc"):
        font = next(f for f in TTCollection(source).fonts if f["name"].getDebugName(4) == FACE)
    else:
        font = TTFont(source)
    options = subset.Options()
    options.layout_features, options.name_IDs, options.hinting = [], ["*"], False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[u for a, b in RANGES for u in range(a, b + 1)])
    subsetter.subset(font)
    subset.save_font(font, target, options)


if __name__ == "__main__":
    main(*sys.argv[1:3])
