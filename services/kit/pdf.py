"""A page of a PDF document in the standard Helvetica font (fpdf2): lines of text that wrap,
gaps between sections, and the text those fonts can show (Latin-1)."""

from __future__ import annotations

import unicodedata

from fpdf import FPDF

FONT = "Helvetica"


def _latin1(char: str) -> str:
    if ord(char) < 256:
        return char
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if base and all(ord(c) < 256 for c in base) else "?"


def printable(text: str) -> str:
    """Text the PDF's standard font can show (Latin-1): ``ő`` becomes ``o``, the rest ``?``."""
    return "".join(_latin1(char) for char in text)


class Page:
    """An A4 document with one page begun, Helvetica 10 pt, breaking pages as text grows."""

    def __init__(self) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.add_page()
        self.pdf.set_font(FONT, size=10)

    def line(self, text: str = "", *, bold: bool = False, size: int = 10, align: str = "J") -> None:
        """A paragraph over the page's width (justified, unless ``align`` says ``L``)."""
        self.pdf.set_font(FONT, style="B" if bold else "", size=size)
        self.pdf.multi_cell(0, 5, printable(text), new_x="LMARGIN", new_y="NEXT", align=align)

    def gap(self) -> None:
        self.pdf.ln(4)

    def output(self) -> bytes:
        return bytes(self.pdf.output())
