"""The credential's page for people (the QR code's link): its status and its facts, in Dutch,
as plain HTML with every value escaped."""

from __future__ import annotations

from html import escape

from . import view
from .schemas import CredentialVerification

MEDIA_TYPE = "text/html"
STATUS = {
    "valid": ("Geldig", "Dit certificaat is door Kring uitgegeven en niet ingetrokken."),
    "revoked": ("Ingetrokken", "Dit certificaat is door Kring uitgegeven, maar ingetrokken."),
    "tampered": ("Ongeldig", "Dit certificaat is niet zoals Kring het uitgaf: het is gewijzigd."),
    "unknown": ("Onbekend", "Dit certificaat is niet door deze dienst uitgegeven."),
}
STYLE = (
    "body{font-family:sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;"
    "padding:.3rem .6rem;border-bottom:1px solid #ddd}th{width:14rem}"
    ".status{padding:.8rem 1rem;border-radius:.3rem;font-weight:bold}"
    ".valid{background:#e3f4e1}.revoked,.tampered,.unknown{background:#fbe3e1}"
)


def _table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows if v)
    return f"<table>{cells}</table>"


def render(verification: CredentialVerification) -> str:
    label, meaning = STATUS[verification.status]
    credential = verification.credential or {}
    checks = "".join(
        f"<li>{'✓' if c.passed else '✗'} {escape(c.message)}</li>" for c in verification.checks
    )
    evidence = "".join(
        f"<li>{escape(name)}: {escape(description)}</li>"
        for name, description, _ in view.evidence(credential)
    )
    facts = _table(view.rows(credential)) if credential else ""
    return (
        '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(view.title(credential))}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(view.title(credential))}</h1>"
        f'<p class="status {verification.status}">{label}: {escape(meaning)}</p>'
        f"{facts}"
        + (f"<h2>Bewijsstukken</h2><ul>{evidence}</ul>" if evidence else "")
        + f"<h2>Controle</h2><ul>{checks}</ul>"
        f"<p>Gecontroleerd op {escape(view.moment(verification.checked_at.isoformat()))}.</p>"
        "</body></html>"
    )
