"""The draft's watermark as drawn shapes, not text.

The PDF's "UTKAST" was a rotated line of text: a screen reader read it on every page
and copying a paragraph scattered "U T K A S T" into the copied text. Drawn as the
page's background (print.css's @page rule, in the template for drafts), it is an
artifact, and as outlines it holds no text at all. The outlines are DejaVu Sans Bold's,
the document's own font, taken with fontTools (WeasyPrint's own dependency).

`python -m documents.watermark` writes static/img/utkast.svg; a test checks that the
committed file is what this gives.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.ttLib import TTFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
TARGET = Path(__file__).resolve().parent.parent / "static" / "img" / "utkast.svg"
WORD = "UTKAST"

# The page (A4, in mm) and the word on it: 118 pt letters, 4 pt apart, turned 38°
# about a point a little below the page's middle, dark red at 10 %.
PAGE_WIDTH, PAGE_HEIGHT = 210, 297
CENTRE_X, CENTRE_Y = Decimal(105), Decimal(165)
LETTER_HEIGHT_MM = Decimal("41.6")  # 118 pt
SPACING_MM = Decimal("1.4")  # 4 pt
ANGLE = -38
COLOUR, OPACITY = "#b22222", "0.10"


def _number(value: Decimal, places: int = 3) -> str:
    """A number as SVG writes it: at most `places` decimals, no trailing zeros."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def watermark_svg(word: str = WORD, font_path: Path = FONT) -> str:
    """The word's outlines, turned and placed on an A4 page, as an SVG document."""
    font = TTFont(font_path)
    glyph_set = font.getGlyphSet()
    cmap = font.getBestCmap()
    units = Decimal(font["head"].unitsPerEm)
    scale = LETTER_HEIGHT_MM / units
    spacing = SPACING_MM / scale
    paths, advance, top = [], Decimal(0), 0
    for character in word:
        name = cmap[ord(character)]
        pen, bounds = SVGPathPen(glyph_set), BoundsPen(glyph_set)
        glyph_set[name].draw(pen)
        glyph_set[name].draw(bounds)
        top = max(top, bounds.bounds[3] if bounds.bounds else 0)
        paths.append(f'<path transform="translate({_number(advance)} 0)" d="{pen.getCommands()}"/>')
        advance += Decimal(glyph_set[name].width) + spacing
    width = advance - spacing
    cap_height = Decimal(top)
    placement = (
        f"translate({_number(CENTRE_X)} {_number(CENTRE_Y)}) rotate({ANGLE}) "
        f"scale({_number(scale, 7)} {_number(-scale, 7)}) "
        f"translate({_number(-width / 2)} {_number(-cap_height / 2)})"
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{PAGE_WIDTH}mm" height="{PAGE_HEIGHT}mm" '
        f'viewBox="0 0 {PAGE_WIDTH} {PAGE_HEIGHT}">\n'
        f'<g transform="{placement}" fill="{COLOUR}" fill-opacity="{OPACITY}">\n'
        + "\n".join(paths)
        + "\n</g>\n</svg>\n"
    )


def main() -> None:
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(watermark_svg(), encoding="utf-8")
    print(TARGET)


if __name__ == "__main__":
    main()
