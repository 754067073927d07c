"""The use cases of the processing log and the retention settings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from ..pagination import Keyset, page_of
from ..principal import Principal
from . import repository, rules
from .retention import Rule
from .schemas import ProcessingLogPage, RetentionSetting, RetentionSettings


async def log_page(
    conn: asyncpg.Connection,
    principal: Principal,
    asked: Keyset,
    *,
    everyone: bool,
    person_id: uuid.UUID | None,
) -> ProcessingLogPage:
    """The entries the caller may read: the tenant's (``everyone``), else its own."""
    whose = rules.readable_person(everyone, getattr(principal, "person", None), person_id)
    items = await repository.entries(conn, principal.org_id, asked, person_id=whose)
    return page_of(ProcessingLogPage, items, asked.limit)


async def settings(
    conn: asyncpg.Connection, org_id: uuid.UUID, retained: Sequence[Rule]
) -> RetentionSettings:
    chosen = await repository.chosen(conn, org_id)
    runs = await repository.last_runs(conn, org_id)
    answer = []
    for rule in retained:
        setting, row = rule.setting, chosen.get(rule.setting.name)
        answer.append(
            RetentionSetting(
                name=setting.name,
                unit=setting.unit,
                value=max(row["value"], setting.minimum) if row else setting.default,
                default=setting.default,
                minimum=setting.minimum,
                maximum=setting.maximum,
                basis=setting.basis,
                description=setting.description,
                chosen=row is not None,
                updated_at=row["updated_at"] if row else None,
                updated_by=row["updated_by"] if row else None,
                last_run=runs.get(rule.name),
            )
        )
    return RetentionSettings(settings=answer)


async def replace_settings(
    conn: asyncpg.Connection,
    principal: Principal,
    values: dict[str, int],
    retained: Sequence[Rule],
) -> RetentionSettings:
    rules.check_settings(values, (r.setting for r in retained))
    await repository.replace(conn, principal.org_id, values, by=principal.subject)
    return await settings(conn, principal.org_id, retained)
