"""The lines of a cost sheet: one per cost type with an amount, each described in Dutch with
its quantity and rate, as the invoices state them. Pure: no I/O.

A time line's amount is ``rules.time_amount`` (half up); the kilometres are ``km * rate``;
the location and other costs are as entered. A revision keeps the sheet's facilitation time
and rates and recomputes the lines from its costs (:func:`revised_lines`).
"""

from __future__ import annotations

from ..invoices.schemas import CostKind, CostLine
from .rules import facilitation_minutes, time_amount
from .schemas import CostSheet, CostSheetIn, CostsIn


def _hours(minutes: int) -> str:
    hours = f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
    return hours.replace(".", ",") + " uur"


def _euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def cost_lines(
    *,
    facilitation_minutes: int,
    preparation_minutes: int,
    travel_minutes: int,
    travel_km: int,
    location_cents: int,
    location_description: str | None,
    other_cents: int,
    other_description: str | None,
    hourly_rate_cents: int,
    rate_per_km_cents: int,
) -> list[CostLine]:
    """The cost sheet's lines, one per cost type with an amount; zero lines are left out."""
    rate = f"à EUR {_euros(hourly_rate_cents)} per uur"

    def time_line(kind: CostKind, label: str, minutes: int) -> CostLine:
        return CostLine(
            kind=kind,
            description=f"{label}, {_hours(minutes)} {rate}",
            amount_cents=time_amount(hourly_rate_cents, minutes),
        )

    candidates = [
        time_line("facilitation", "Begeleiding intervisiebijeenkomst", facilitation_minutes),
        time_line("preparation", "Voorbereiding", preparation_minutes),
        time_line("travel_time", "Reistijd", travel_minutes),
        CostLine(
            kind="travel_costs",
            description=f"Reiskosten, {travel_km} km à EUR {_euros(rate_per_km_cents)} per km",
            amount_cents=travel_km * rate_per_km_cents,
        ),
        CostLine(
            kind="location",
            description=location_description or "Locatiekosten",
            amount_cents=location_cents,
        ),
        CostLine(
            kind="other",
            description=other_description or "Overige kosten",
            amount_cents=other_cents,
        ),
    ]
    return [line for line in candidates if line.amount_cents > 0]


def _lines_of(
    costs: CostsIn, *, facilitation_minutes: int, hourly_rate_cents: int, rate_per_km_cents: int
) -> list[CostLine]:
    return cost_lines(
        facilitation_minutes=facilitation_minutes,
        preparation_minutes=costs.preparation_minutes,
        travel_minutes=costs.travel_minutes,
        travel_km=costs.travel_km,
        location_cents=costs.location_cents,
        location_description=costs.location_description,
        other_cents=costs.other_cents,
        other_description=costs.other_description,
        hourly_rate_cents=hourly_rate_cents,
        rate_per_km_cents=rate_per_km_cents,
    )


def sheet_lines(
    sheet: CostSheetIn, *, hourly_rate_cents: int, rate_per_km_cents: int
) -> list[CostLine]:
    return _lines_of(
        sheet,
        facilitation_minutes=facilitation_minutes(sheet.session_starts_at, sheet.session_ends_at),
        hourly_rate_cents=hourly_rate_cents,
        rate_per_km_cents=rate_per_km_cents,
    )


def revised_lines(sheet: CostSheet, costs: CostsIn) -> list[CostLine]:
    """The sheet's lines with a revision's costs: its facilitation time and its rates stay."""
    return _lines_of(
        costs,
        facilitation_minutes=sheet.facilitation_minutes,
        hourly_rate_cents=sheet.hourly_rate_cents,
        rate_per_km_cents=sheet.rate_per_km_cents,
    )
