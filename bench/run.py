"""``python -m bench.run [--scale S] [--seed N] [--duration SECONDS]``: the benchmark, end to end.

1. A database ``kring_bench`` on the embedded PostgreSQL (or ``DATABASE_URL``), migrated and
   filled by :mod:`bench.data` (reused when scale, seed and day match; ``--fresh`` rebuilds).
2. The scheduling and accreditation services (``kring serve``) and the framework ceiling
   (:mod:`bench.ceiling`), each pinned to the service core.
3. wrk, pinned to the load core, on each hot path; the database ceiling (:mod:`bench.dbceiling`)
   on the service core; the scale curve; the streamed export.
4. ``bench/results/latest.md`` and ``latest.json``.

Every figure is measured in the same run, so ratios hold on a noisy machine where absolute
figures do not.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.cli import SERVICES, with_database
from services.kit.devkeys import DevKey

from . import curve, database, flow, machine, measure, report
from .load import Load
from .processes import Processes, environments, free_port, start_all

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1M ledger entries")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each")
    parser.add_argument("--fresh", action="store_true", help="rebuild the data set")
    parser.add_argument(
        "--curve-max",
        type=int,
        default=None,
        help="the scale curve's largest ledger (default 10,000,000 x scale; each point is a "
        "database of its own, built once and reused)",
    )
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="skip the py-spy profile of the registrant query",
    )
    parser.add_argument(
        "--flow-samples", type=int, default=40, help="sessions closed to time the flow (0: skip)"
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="folder for latest.md and latest.json"
    )
    return parser.parse_args(argv)


def measure_processes(
    args: argparse.Namespace,
    *,
    load: Load,
    procs: Processes,
    pin: dict[str, Any],
    url: str,
    facts: dict[str, Any],
) -> dict[str, Any]:
    """Start the services, the ceiling and the peer, measure them, and stop them again."""
    key = DevKey.generate()
    ports = {name: free_port() for name in SERVICES}
    envs = environments(ports, database_url=url, key=key)
    try:
        services = start_all(procs, pin, envs, ports)
        machine.pin_load_side(pin)
        bench = measure.Bench(
            load=load,
            procs=procs,
            pin=pin,
            key=key,
            facts=facts,
            database_url=url,
            envs=envs,
            services=services,
        )
        return measure.hot_paths(bench, with_profile=args.profile, with_export=not args.skip_export)
    finally:
        procs.stop()
        machine.unpin_postgres(pin)


def measure_flow(url: str, pin: dict[str, Any], *, samples: int) -> dict[str, Any]:
    """Close sessions across the three services as processes of their own (:mod:`bench.flow`)."""
    print("measuring the flow: close -> ledger entries and draft invoices", flush=True)
    flow_ports = {name: free_port() for name in SERVICES}
    result = flow.measure(url, flow_ports, samples=samples, prefix=pin["service"])
    print(f"  {result}", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it)")
    began = time.perf_counter()
    host = machine.describe()  # before the bench pins itself to the load core
    started_at = datetime.now(UTC)
    anchor = started_at.date()
    admin_url, db_kind, _server = database.server_url()
    dataset = database.prepare(
        admin_url, scale=args.scale, seed=args.seed, anchor=anchor, fresh=args.fresh
    )
    url = with_database(admin_url, database.DATABASE)
    facts = database.facts(url, seed=args.seed, scale=args.scale, anchor=anchor)
    largest = args.curve_max or round(curve.SIZES[-1] * args.scale)
    facts["curve"] = curve.prepare(admin_url, largest=largest, seed=args.seed)
    with machine.pinning() as pin, tempfile.TemporaryDirectory(prefix="kring-bench-") as tmp:
        load = Load(pin, Path(tmp), duration=args.duration, warmup=args.warmup)
        procs = Processes(load.work)
        results = measure_processes(args, load=load, procs=procs, pin=pin, url=url, facts=facts)
        if args.flow_samples:
            results["flow"] = measure_flow(url, pin, samples=args.flow_samples)
        built = report.build(
            args,
            started_at=started_at,
            began=began,
            host=host,
            db_kind=db_kind,
            dataset=dataset,
            facts=facts,
            pin=pin,
            results=results,
            commands={
                "run": f"make bench  # python -m bench.run --scale {args.scale:g} "
                f"--seed {args.seed} --duration {args.duration:g}",
                "services": procs.commands,
                "load": load.commands,
            },
        )
    report.write(built, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
