"""Where a service's time goes under load: a py-spy sample of the running process, summed.

``record`` samples a process (``py-spy record --nonblocking``: the service is never paused)
while wrk loads it; ``summarise`` reads py-spy's raw (collapsed stack) output and reports

- by component: each sample counted once, against the package of its innermost frame
  (time in C code counts against the Python frame that called it: asyncpg's protocol, the
  event loop's I/O, msgspec's encoder);
- by stage: the share of samples with a given function anywhere on the stack (these
  overlap: the handler includes the query).

A sample in the event loop's own frame is the loop waiting for or doing socket I/O, which
py-spy cannot tell apart without native stacks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# The first matching fragment of the innermost frame's file names the component.
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("msgspec_hooks.py", "msgspec (JSON encoding, called by Litestar)"),
    ("asyncpg/", "asyncpg (driver: protocol, parameters, rows)"),
    ("litestar/", "Litestar (routing, middleware, dependencies, guards, responses)"),
    ("fastapi/", "FastAPI"),
    ("starlette/", "Starlette (under FastAPI)"),
    ("pydantic", "pydantic"),
    ("sqlalchemy/", "SQLAlchemy"),
    ("uvicorn/", "uvicorn + httptools (HTTP parsing, ASGI)"),
    ("httptools", "uvicorn + httptools (HTTP parsing, ASGI)"),
    ("structlog/", "structlog (request logs)"),
    ("prometheus_client/", "prometheus_client (metrics)"),
    ("jwt/", "PyJWT (token checks)"),
    ("anyio/", "anyio"),
    ("asyncio/", "event loop (uvloop) and socket I/O"),
    ("uvloop", "event loop (uvloop) and socket I/O"),
    ("services/", "Kring's own code"),
    ("bench/", "the bench's own code"),
)
OTHER = "standard library and other"

# Functions whose inclusive share is worth a line; matched against "function (file" prefixes.
STAGES: tuple[tuple[str, str], ...] = (
    ("authenticate_request (services/kit/auth.py", "authentication (cached token check)"),
    ("guard (services/kit/auth.py", "role guard"),
    ("refuse_unknown_and_control (services/kit", "strict query parameters"),
    ("transaction (services/kit/db.py", "transaction: acquire, BEGIN with the tenant, COMMIT"),
    ("registrar_page (services/accreditation", "registrar query: statement and rows"),
    ("entry (services/accreditation", "rows to LedgerEntry structs"),
    ("encode_json (litestar", "response body to JSON (msgspec)"),
    ("(structlog/", "structlog (request logs)"),
    ("PrometheusMiddleware.__call__ (litestar", "metrics middleware"),
)


def py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def record(pid: int, seconds: float, out: Path, *, rate: int = 250) -> str | None:
    """Sample ``pid`` for ``seconds``; None on success, else why there is no profile."""
    tool = py_spy()
    if tool is None:
        return "py-spy is not installed"
    command = [
        tool,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, round(seconds))),
        "--rate",
        str(rate),
        "--format",
        "raw",
        "--nonblocking",
        "--full-filenames",
        "--output",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not out.exists():
        return f"py-spy failed: {(done.stderr or done.stdout).strip()[-300:]}"
    return None


def _relative(frame: str) -> str:
    """A frame with its file named from the package or repository root (no machine paths)."""
    name, _, where = frame.partition(" (")
    if not where:
        return frame
    root = str(Path(__file__).resolve().parent.parent) + "/"
    for marker in ("site-packages/", root, "/lib/python3."):
        if marker in where:
            where = where.split(marker, 1)[1]
            if marker == "/lib/python3.":
                where = where.split("/", 1)[1] if "/" in where else where
            break
    return f"{name} ({where}"


def _component(frame: str) -> str:
    for fragment, name in COMPONENTS:
        if fragment in frame:
            return name
    return OTHER


def summarise(raw: str, *, top: int = 12) -> dict[str, Any]:
    """Shares by component (exclusive) and by stage (inclusive) of py-spy's collapsed stacks."""
    total = 0
    components: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_relative(frame) for frame in stack.split(";")]
        components[_component(frames[-1])] += n
        leaves[frames[-1]] += n
        for prefix, stage in STAGES:
            if any(prefix in frame for frame in frames):
                stages[stage] += n

    def share(count: int) -> float:
        return round(count / total, 3) if total else 0.0

    return {
        "samples": total,
        "components": [{"name": k, "share": share(v)} for k, v in components.most_common()],
        "stages": [
            {"name": stage, "share": share(stages[stage])} for _, stage in STAGES if stages[stage]
        ],
        "hottest_frames": [{"frame": k, "share": share(v)} for k, v in leaves.most_common(top)],
    }
