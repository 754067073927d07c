"""``make bench``: Kring's hot paths against the framework's and the database's ceilings.

``python -m bench.run [--scale S] [--seed N] [--duration SECONDS]`` builds a deterministic data
set, serves the services pinned to one core, loads them with wrk pinned to another, and writes
``bench/results/latest.md`` and ``latest.json``. See docs/decisions/0040-bench-method.md.
"""
