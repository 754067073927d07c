"""Where a service's time goes under load: a py-spy sample of the running process, summed.

``record`` samples a process with native frames (``py-spy record --native``: the C code of
CPython, asyncpg, msgspec, uvloop and the system calls are visible) while wrk loads it. The
sampling pauses the process for a moment each time, so the bench profiles in a run of its own,
never in a measured one. ``summarise`` reads py-spy's raw (collapsed stack) output:

- by component, each sample counted once: the cyclic garbage collector wherever it runs; a
  system call by what it serves (a socket write from asyncpg is PostgreSQL's, from uvicorn
  the client's, from structlog the log's); C code of a known extension by its package; and
  the interpreter's own work (reference counts, allocation, dispatch) by the Python code it
  was running, the nearest Python frame;
- by stage: the share of samples with a given function anywhere on the stack (these
  overlap: the handler includes the query).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# C code of extensions, by the file py-spy names for the innermost native frame.
NATIVE: tuple[tuple[str, str], ...] = (
    ("pgproto.c", "asyncpg (driver: protocol, parameters, rows)"),
    ("protocol.c", "asyncpg (driver: protocol, parameters, rows)"),
    ("recordobj.c", "asyncpg (driver: protocol, parameters, rows)"),
    ("asyncpg/", "asyncpg (driver: protocol, parameters, rows)"),
    ("msgspec/", "msgspec (JSON encoding and Structs)"),
    ("loop.c", "event loop (uvloop)"),
    ("uvloop/", "event loop (uvloop)"),
    ("_asynciomodule.c", "event loop (uvloop)"),
    ("llhttp.c", "uvicorn + httptools (HTTP parsing, ASGI)"),
    ("parser.c", "uvicorn + httptools (HTTP parsing, ASGI)"),
    ("url_parser.c", "uvicorn + httptools (HTTP parsing, ASGI)"),
)
SYSCALLS = {
    "write": "writes",
    "writev": "writes",
    "send": "writes",
    "sendto": "writes",
    "sendmsg": "writes",
    "read": "reads",
    "recv": "reads",
    "recvfrom": "reads",
    "recvmsg": "reads",
    "epoll_wait": "waits",
    "epoll_pwait": "waits",
    "epoll_ctl": "waits",
}
# What a system call serves, by the innermost frame that names one of these.
PEERS = (
    ("asyncpg/", "PostgreSQL"),
    ("structlog/", "the log"),
    ("uvicorn/protocols/", "the HTTP client"),
    ("httptools", "the HTTP client"),
)
# Python code by the file of the nearest Python frame: the first matching fragment.
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("msgspec_hooks.py", "msgspec (JSON encoding and Structs)"),
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
    ("asyncio/", "event loop (uvloop)"),
    ("uvloop", "event loop (uvloop)"),
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
)


def py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def record(pid: int, seconds: float, out: Path, *, rate: int = 200) -> str | None:
    """Sample ``pid`` for ``seconds``; None on success, else why there is no profile.

    Native frames when py-spy can unwind them here, else Python frames only.
    """
    tool = py_spy()
    if tool is None:
        return "py-spy is not installed"
    base = [tool, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds)))]
    base += ["--rate", str(rate), "--format", "raw", "--full-filenames", "--output", str(out)]
    for mode in (["--native"], ["--nonblocking"]):
        done = subprocess.run([*base, *mode], capture_output=True, text=True, check=False)
        if done.returncode == 0 and out.exists():
            return None
    return f"py-spy failed: {(done.stderr or done.stdout).strip()[-300:]}"


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
    else:
        if where.startswith("/"):  # a native library: its file name alone
            where = where.rsplit("/", 1)[1]
    return f"{name} ({where}"


def _python_component(frames: list[str]) -> str:
    """The component of the nearest Python frame (innermost first)."""
    for frame in reversed(frames):
        if ".py:" in frame or frame.endswith(".py)"):
            for fragment, name in COMPONENTS:
                if fragment in frame:
                    return name
            return OTHER
    return OTHER


def _component(frames: list[str]) -> str:
    """The one component a sample counts against (see the module's docstring)."""
    if any("gc_collect" in frame for frame in frames):
        return "cyclic garbage collector"
    leaf = frames[-1]
    function = leaf.split(" (", 1)[0]
    if "libc" in leaf and function in SYSCALLS:
        peer = next(
            (who for frame in reversed(frames) for fragment, who in PEERS if fragment in frame),
            "event loop, any socket",
        )
        return f"system calls: {SYSCALLS[function]} ({peer})"
    if ".py:" not in leaf:
        for fragment, name in NATIVE:
            if fragment in leaf:
                return name
    return _python_component(frames)


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
        components[_component(frames)] += n
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
