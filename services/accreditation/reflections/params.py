"""The reflection statements' HTTP parameters (Litestar markers)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar.params import PathParameter

StatementIdPath = Annotated[uuid.UUID, PathParameter(description="A reflection statement's id.")]
