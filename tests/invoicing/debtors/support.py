"""Helpers of the debtors tests (and of the cost sheets that name a stored debtor)."""

from __future__ import annotations


def path(external_id: str) -> str:
    return f"/v1/debtors/by-external-id/{external_id}"
