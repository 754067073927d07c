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


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    return from_env(Settings, environ, service=SERVICE, **overrides)
