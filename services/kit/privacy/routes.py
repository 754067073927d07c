"""``/v1/processing-log`` and ``/v1/retention-settings``: the same operations in every service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from litestar import Controller, Router, get, put
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, JSONBody

from ..db import Conn
from ..openapi import problems
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from ..principal import Principal
from ..subjects import SubjectErasure
from . import service
from .retention import Rule
from .rules import SETTING_RULES
from .schemas import ProcessingLogPage, RetentionSettings, RetentionSettingsIn


@dataclass(frozen=True)
class Privacy:
    """What the routes read: the roles reading the tenant's whole log, and what is retained."""

    everyone: tuple[str, ...]
    retained: tuple[Rule, ...]


class ProcessingLogController(Controller):
    path = "/v1/processing-log"
    tags = ("privacy",)

    @get("/", operation_id="listProcessingLog", responses=problems())
    async def list_processing_log(
        self,
        conn: Conn,
        principal: NamedDependency[Principal],
        privacy: NamedDependency[Privacy],
        person_id: FromQuery[uuid.UUID | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> ProcessingLogPage:
        """Every read, export and erasure of a person's data this service served, in the order
        they happened, a page at a time: who (the reader's subject and role, nothing else
        about them), when, what (the operation and the person, or the scope of a bulk read),
        and why (`grant`: the role and its reach, or the consent). The organisation's admin
        reads them all (`person_id` narrows them to one person); a person reads only the
        entries about themselves (another `person_id` is a 403, rule `own_records_only`).
        Entries are never changed or removed."""
        everyone = principal.has(*privacy.everyone)
        return await service.log_page(
            conn, principal, keyset(cursor, limit), everyone=everyone, person_id=person_id
        )


class RetentionSettingsController(Controller):
    path = "/v1/retention-settings"
    tags = ("privacy",)

    @get("/", operation_id="getRetentionSettings", responses=problems())
    async def get_retention_settings(
        self, conn: Conn, principal: NamedDependency[Principal], privacy: NamedDependency[Privacy]
    ) -> RetentionSettings:
        """How long this service keeps each kind of record it retains for the organisation:
        the value in force (its choice, else the default), the floor below which no value is
        taken and why (`basis`: the law, such as AWR art. 52(4) for invoices, or what the
        service needs), and what the retention job last removed under it (`last_run`)."""
        return await service.settings(conn, principal.org_id, privacy.retained)

    @put(
        "/",
        operation_id="updateRetentionSettings",
        responses=problems(413, 415, rules=SETTING_RULES),
    )
    async def update_retention_settings(
        self,
        conn: Conn,
        principal: NamedDependency[Principal],
        privacy: NamedDependency[Privacy],
        data: JSONBody[RetentionSettingsIn],
    ) -> RetentionSettings:
        """Set the organisation's retentions: each setting named takes its value, each one left
        out returns to its default. Refused with a 422 naming the setting
        (`body.settings.<name>`) and the rule: below its floor (`legal_minimum`), above its
        maximum (`maximum`), or not a retention of this service (`unknown_setting`); then
        nothing is changed. The retention job applies them on its next run."""
        return await service.replace_settings(conn, principal, data.settings, privacy.retained)


def erasure_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """A service's part of a person's erasure (``eraseSubject``): 201 when this call erased
    them, 200 with the same record after; ``statuses`` the problems it adds."""
    return {
        201: ResponseSpec(
            SubjectErasure,
            description="Erased now: what is held, and why.",
            generate_examples=False,
        ),
        200: ResponseSpec(
            SubjectErasure, description="Erased before: its record.", generate_examples=False
        ),
        **problems(*statuses),
    }


def privacy_router(retained: Sequence[Rule], *, everyone: tuple[str, ...]) -> Router:
    """The processing log and retention settings of a service retaining ``retained`` (the
    kit's rules and its own: ``rules_of``), guarded by the service's policy; ``everyone``:
    the roles it gives the tenant's whole log (any other admitted role reads the entries
    about itself)."""
    privacy = Privacy(everyone=everyone, retained=tuple(retained))

    def provide_privacy() -> Privacy:
        return privacy

    return Router(
        "/",
        route_handlers=[ProcessingLogController, RetentionSettingsController],
        dependencies={"privacy": Provide(provide_privacy, sync_to_thread=False)},
    )
