"""The SQL of people: one person at a time (``person``) and a batch of them (``batch``)."""

from .batch import batch_findings, upsert_batch
from .person import (
    employs,
    facilitated_by,
    get,
    get_by_external_id,
    manager_chain_loops,
    page,
    registrations,
    upsert,
)

__all__ = [
    "batch_findings",
    "employs",
    "facilitated_by",
    "get",
    "get_by_external_id",
    "manager_chain_loops",
    "page",
    "registrations",
    "upsert",
    "upsert_batch",
]
