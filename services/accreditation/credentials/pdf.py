"""The credential printed: a proof of attendance or a period statement as a PDF in Dutch, with
the facts the credential states (:mod:`.view`), the signatures as recorded, and a QR code of
the credential's page, where anyone can see whether it still stands.

The QR code (``segno``, error correction M) is drawn as filled rectangles, one per run of dark
modules in a row, inside a quiet zone of four modules, so it prints sharply at any scale.
"""

from __future__ import annotations

from typing import Any

import segno

from services.kit.pdf import FONT, Page, printable

from . import view

QR_SIZE = 42.0
"""Millimetres of the printed code, quiet zone included."""
QUIET = 4
LABEL_WIDTH = 58


def _qr(page: Page, url: str, *, x: float, y: float) -> None:
    matrix = segno.make(url, error="m").matrix
    cell = QR_SIZE / (len(matrix) + 2 * QUIET)
    page.pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            page.pdf.rect(
                x + (QUIET + start) * cell, y + (QUIET + r) * cell, (c - start) * cell, cell, "F"
            )


def _facts(page: Page, rows: list[tuple[str, str]]) -> None:
    for label, value in rows:
        if not value:
            continue
        top = page.pdf.get_y()
        page.pdf.set_font(FONT, style="B", size=10)
        page.pdf.multi_cell(
            LABEL_WIDTH, 5, printable(label), new_x="LMARGIN", new_y="NEXT", align="L"
        )
        bottom = page.pdf.get_y()
        page.pdf.set_xy(page.pdf.l_margin + LABEL_WIDTH, top)
        page.pdf.set_font(FONT, size=10)
        page.pdf.multi_cell(0, 5, printable(value), new_x="LMARGIN", new_y="NEXT", align="L")
        page.pdf.set_y(max(bottom, page.pdf.get_y()))


def render(credential: dict[str, Any], *, url: str, revoked: bool) -> bytes:
    """The PDF of a credential; ``url`` is its page (the QR code's link)."""
    page = Page()
    pdf = page.pdf
    pdf.set_title(printable(view.title(credential)))
    _qr(page, url, x=pdf.w - pdf.r_margin - QR_SIZE, y=pdf.t_margin)
    pdf.set_font(FONT, style="B", size=14)
    heading = printable(view.title(credential))
    pdf.multi_cell(pdf.epw - QR_SIZE - 4, 7, heading, new_x="LMARGIN", new_y="NEXT")
    if revoked:
        page.gap()
        page.line("INGETROKKEN: dit certificaat geldt niet meer.", bold=True)
    pdf.set_y(max(pdf.get_y(), pdf.t_margin + QR_SIZE) + 4)
    _facts(page, view.rows(credential))
    evidence = view.evidence(credential)
    if evidence:
        page.gap()
        page.line("Bewijsstukken", bold=True)
        for name, description, reference in evidence:
            page.line(f"{name}: {description}", align="L")
            page.line(reference, size=8, align="L")
    page.gap()
    page.line(
        "Controleer dit certificaat met de QR-code of op het adres hieronder; het is digitaal"
        " ondertekend (VC-JOSE, Ed25519) en te controleren zonder account.",
        size=9,
        align="L",
    )
    page.line(url, size=8, align="L")
    return page.output()
