"""The scale curve's data sets: which points a run builds, and what names them."""

from __future__ import annotations

import uuid

from bench import curve, data


def test_the_points_go_up_to_the_largest_asked() -> None:
    assert curve.sizes(10_000_000) == [10_000, 100_000, 1_000_000, 10_000_000]
    assert curve.sizes(500_000) == [10_000, 100_000]
    assert curve.sizes(1) == [10_000, 100_000], "a curve has two points at least"


def test_a_point_is_named_by_what_builds_it() -> None:
    name = curve.database_name(10_000_000, 1)
    assert name == curve.database_name(10_000_000, 1)
    assert name.startswith("kring_bench_curve_10000000_")
    assert len(name) <= 63, "a PostgreSQL identifier"
    others = {curve.database_name(1_000_000, 1), curve.database_name(10_000_000, 2)}
    assert name not in others
    assert len(others) == 2


def test_chunks_of_the_ledger_cover_its_entries_once() -> None:
    tenant = data.curve_tenant(1_000_000)
    org = uuid.uuid4()
    chunks = [range(i, min(i + 300_000, tenant.entries)) for i in range(0, 1_000_000, 300_000)]
    statements = [data._ledger(tenant, org, chunk) for chunk in chunks]
    bounds = [s.split("generate_series(", 1)[1].split(")", 1)[0] for s in statements]
    assert bounds == ["0, 299999", "300000, 599999", "600000, 899999", "900000, 999999"]
    whole = data._accreditation(tenant, org)
    assert whole[0][0] == "consents"
    assert "generate_series(0, 999999)" in dict(whole)["ledger_entries"]
