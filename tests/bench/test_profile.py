"""The bench's profile summary: how samples are attributed, and that no machine path leaks."""

from __future__ import annotations

from pathlib import Path

from bench import profile

ROOT = str(Path(profile.__file__).resolve().parent.parent)
SITE = "/opt/python/lib/python3.11/site-packages"
LOOP = "Runner.run (/opt/python/lib/python3.11/asyncio/runners.py:118)"


def stack(*frames: str, count: int = 1) -> str:
    return ";".join([LOOP, *frames]) + f" {count}"


RAW = "\n".join(
    [
        # A socket write asyncpg asked for: PostgreSQL's.
        stack(
            f"Connection._do_execute ({SITE}/asyncpg/connection.py:2066)",
            "write (/usr/lib/x86_64-linux-gnu/libc.so.6)",
            count=3,
        ),
        # The collector, whatever it interrupted.
        stack(
            f"entry ({ROOT}/services/accreditation/ledger/repository.py:65)",
            "gc_collect_main (/usr/lib/libpython3.11.so.1.0)",
            count=2,
        ),
        # The interpreter's own work counts against the Python code it ran.
        stack(
            f"RequestContextMiddleware.__call__ ({ROOT}/services/kit/observability.py:126)",
            "Py_DECREF (object.h:537)",
            count=4,
        ),
        # C code of a known extension counts against its package.
        stack(
            f"encode_json ({SITE}/litestar/serialization/msgspec_hooks.py:163)",
            f"json_encode_str ({SITE}/msgspec/_core.cpython-311-x86_64-linux-gnu.so)",
            count=1,
        ),
        "not a stack line",
    ]
)


def test_each_sample_counts_once_against_what_it_served() -> None:
    summary = profile.summarise(RAW)
    shares = {c["name"]: c["share"] for c in summary["components"]}
    assert summary["samples"] == 10
    assert shares == {
        "Kring's own code": 0.4,
        "system calls: writes (PostgreSQL)": 0.3,
        "cyclic garbage collector": 0.2,
        "msgspec (JSON encoding and Structs)": 0.1,
    }
    stages = {s["name"]: s["share"] for s in summary["stages"]}
    assert stages["rows to LedgerEntry structs"] == 0.2
    assert stages["response body to JSON (msgspec)"] == 0.1


def test_frames_name_no_path_of_the_machine() -> None:
    frames = [f["frame"] for f in profile.summarise(RAW)["hottest_frames"]]
    assert "write (libc.so.6)" in frames
    assert "entry (services/accreditation/ledger/repository.py:65)" not in frames  # not a leaf
    assert all("/usr/" not in f and "/opt/" not in f and ROOT not in f for f in frames), frames
