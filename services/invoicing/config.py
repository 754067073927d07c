"""Invoicing's settings and fixed names."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from services.kit.settings import Settings, from_env

SERVICE = "invoicing"
SCHEMA = "invoicing"
PORT = 8103
MIGRATIONS = Path(__file__).parent / "migrations"


class InvoicingSettings(Settings, frozen=True, kw_only=True):
    scheduling_url: str = ""
    """Scheduling's base URL (``KRING_SCHEDULING_URL``), asked whether the session a cost sheet
    sent to ``POST /v1/cost-sheets`` names exists; empty: such sheets are refused (503), since
    they cannot be checked. Sheets made from scheduling's events need no asking."""


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> InvoicingSettings:
    return from_env(InvoicingSettings, environ, service=SERVICE, **overrides)
