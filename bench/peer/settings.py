"""The peer's settings: the accreditation service's own ``KRING_*`` variables, same defaults.

So the peer can be started with exactly the environment ``kring serve accreditation`` gets.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

ENV_PREFIX = "KRING_"


class PeerSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str
    database_role: str | None = None
    """Role taken after connecting (``SET ROLE``), as the service does: ``kring_accreditation``."""
    search_path: str = "accreditation"
    db_pool_max: int = 10
    """The service's pool size (``KRING_DB_POOL_MAX``, default 10)."""
    jwt_issuer: str = "kring-dev"
    jwt_audience: str = "kring"
    jwt_jwks: str
    """An inline JWKS document (JSON) with the public keys that may sign tokens."""
    jwt_leeway_seconds: int = 30

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> PeerSettings:
        """From ``KRING_<FIELD>`` variables; ``overrides`` win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            name: env[ENV_PREFIX + name.upper()]
            for name in cls.model_fields
            if ENV_PREFIX + name.upper() in env
        }
        values.update(overrides)
        return cls.model_validate(values)
