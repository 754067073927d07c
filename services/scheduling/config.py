"""Scheduling's settings and fixed names."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from services.kit.settings import Settings, from_env

SERVICE = "scheduling"
SCHEMA = "scheduling"
PORT = 8101
MIGRATIONS = Path(__file__).parent / "migrations"


class SchedulingSettings(Settings, frozen=True, kw_only=True):
    accreditation_url: str = ""
    """Accreditation's base URL (``KRING_ACCREDITATION_URL``), asked for the preflight of a
    member joining a group or a session planned; empty: no preflight."""
    invoicing_url: str = ""
    """Invoicing's base URL (``KRING_INVOICING_URL``), asked for its part of a person's export
    and erasure; empty: those requests answer 503."""
    public_url: str = ""
    """The base URL calendar apps reach scheduling at (``KRING_PUBLIC_URL``, such as
    ``https://api.kring.example/scheduling``), the start of every calendar feed URL; empty:
    the base URL of the request that asks for one."""


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> SchedulingSettings:
    return from_env(SchedulingSettings, environ, service=SERVICE, **overrides)
