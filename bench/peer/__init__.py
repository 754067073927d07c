"""The peer: Kring's registrar query written the conventional way, for the benchmark to compare.

FastAPI, pydantic v2 and the SQLAlchemy 2 async ORM (asyncpg driver) on Kring's own tables,
tenant setting and tokens. ``python -m bench.peer --port PORT``; see ``README.md`` beside this.
"""

from .app import create_app
from .settings import PeerSettings

__all__ = ["PeerSettings", "create_app"]
