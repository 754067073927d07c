"""A test still running after ``KRING_TEST_WATCHDOG`` seconds (default 300) is named on
standard error, with the await chain of every pending asyncio task: a run stuck in CI shows
which test waits, and on what. faulthandler (``faulthandler_timeout``) shows only the threads,
and a test waiting in the event loop is all in one frame there.

Registered as a plugin by ``tests/conftest.py``; it only watches, it never stops a test.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
from collections.abc import Iterator
from types import CoroutineType, FrameType
from typing import Any, TextIO

import pytest

LIMIT = float(os.environ.get("KRING_TEST_WATCHDOG", "300"))
_current: tuple[str, float] | None = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    global _current
    _current = (item.nodeid, time.monotonic())
    try:
        return (yield)
    finally:
        _current = None


def pytest_configure(config: pytest.Config) -> None:
    # The standard error pytest started with (as its faulthandler plugin takes it): a test's
    # own output is captured, and a test that never ends never shows it.
    out = os.fdopen(os.dup(sys.stderr.fileno()), "w", closefd=True)
    threading.Thread(target=_watch, args=(out,), name="test-watchdog", daemon=True).start()


def _watch(out: TextIO) -> None:
    told: str | None = None
    while True:
        time.sleep(min(LIMIT, 15))
        current = _current
        if current is None or current[0] == told:
            continue
        nodeid, since = current
        if time.monotonic() - since >= LIMIT:
            told = nodeid
            _tell(out, nodeid, time.monotonic() - since)


def _tell(out: TextIO, nodeid: str, seconds: float) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    lines = [f"\n=== {worker}: {nodeid} has run {seconds:.0f} s; its pending tasks:"]
    for task in _pending_tasks():
        lines.append(f"--- {task.get_name()}")
        lines.extend(f"    {where}" for where in _awaits(task.get_coro()))
    out.write("\n".join(lines) + "\n")
    out.flush()


def _pending_tasks() -> list[asyncio.Task[Any]]:
    return [o for o in gc.get_objects() if isinstance(o, asyncio.Task) and not o.done()]


def _awaits(awaitable: Any) -> Iterator[str]:
    """Each frame of a coroutine's await chain, outermost first."""
    while awaitable is not None:
        frame: FrameType | None = getattr(awaitable, "cr_frame", None) or getattr(
            awaitable, "ag_frame", None
        )
        if frame is None:
            yield repr(awaitable)
            return
        yield f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        awaitable = (
            awaitable.cr_await
            if isinstance(awaitable, CoroutineType)
            else getattr(awaitable, "ag_await", None)
        )
