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


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    return from_env(Settings, environ, service=SERVICE, **overrides)
