"""Credentials over HTTP: issuing and reading them with a token (``/v1/credentials``,
``/v1/registers/{code}/credentials``), and, without one, what a verifier needs
(``/v1/credential-verifications`` and the issuer's documents under ``/v1/issuers/{org_id}``).

The routes without a token are outside authentication by their handlers' ``exclude_from_auth``
(the kit's public paths stay as they are); their contract says ``security: [{}]`` and
documents no 401 or 403.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_207_MULTI_STATUS

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems, upserted
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from services.kit.privacy import processing_log

from ..ledger.chain import Signer
from ..principal import Principal
from ..registers.params import RegisterCodePath
from . import jose, page, public, rules, service, statements
from .params import (
    CredentialIdPath,
    IssuerPath,
    KindQuery,
    ListNumberPath,
    PersonQuery,
    RegisterQuery,
    provide_base,
)
from .schemas import (
    Credential,
    CredentialIn,
    CredentialPage,
    CredentialVerification,
    CycleCredentials,
    CycleCredentialsIn,
    DidDocument,
    Jwks,
    VerificationIn,
)

Me = NamedDependency[Principal]
Base = NamedDependency[str]
PDF = "application/pdf"
BASE = {"base": Provide(provide_base, sync_to_thread=False)}


def _signer(state: State) -> Signer:
    signer: Signer = state.signer
    return signer


def _public(*statuses: int, rules: tuple[str, ...] = ()) -> dict[str, Any]:
    """A route anyone may call: no token, no 401 or 403 in its contract."""
    answers = problems(*statuses, rules=rules)
    return {
        "exclude_from_auth": True,
        "security": [{}],
        "responses": {k: v for k, v in answers.items() if k not in (401, 403)},
    }


class CredentialController(Controller):
    path = "/v1/credentials"
    tags = ("credentials",)
    dependencies = BASE

    @post(
        "/",
        operation_id="issueCredential",
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_200_OK: ResponseSpec(
                Credential, description="Issued before: the same credential (one per credit)."
            ),
            **problems(409, 413, 415, rules=rules.RULES_ISSUE),
        },
        opt=links(link("getCredential", credential_id="id")),
    )
    async def issue(
        self, conn: Conn, principal: Me, state: State, base: Base, data: JSONBody[CredentialIn]
    ) -> Response[Credential]:
        """The proof of attendance of a standing credit, as an Open Badges 3.0 credential
        secured with VC-JOSE: the session, the method, minutes, points, the facilitator and
        their recognition. A participant issues their own; an admin names the person. One per
        credit: a repeat answers the same credential with 200."""
        credential, created = await service.issue(
            conn, principal, data, base_url=base, signer=_signer(state)
        )
        return upserted(credential, created)

    @get(
        "/",
        operation_id="listCredentials",
        responses=problems(),
        opt=processing_log.logged_read(),
    )
    async def list_page(
        self,
        conn: Conn,
        principal: Me,
        person_id: PersonQuery = None,
        register: RegisterQuery = None,
        kind: KindQuery = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> CredentialPage:
        """Credentials in the order issued: a participant's own, a registration body's of its
        register's consenting registrants (each written to the processing log), an admin's of
        anyone. An erased person's credentials are revoked and no longer shown."""
        return await service.page(
            conn,
            principal,
            keyset(cursor, limit),
            person_id=person_id,
            register=register,
            kind=kind,
        )

    @get(
        "/{credential_id:uuid}",
        operation_id="getCredential",
        responses=problems(),
        opt=processing_log.logged_read(links(link("getCredentialPdf", credential_id="id"))),
    )
    async def get_one(
        self, conn: Conn, principal: Me, credential_id: CredentialIdPath
    ) -> Credential:
        """One credential: the JWS, what it says, and whether it was revoked."""
        return await service.get(conn, principal, credential_id)

    @get(
        "/{credential_id:uuid}/pdf",
        operation_id="getCredentialPdf",
        media_type=PDF,
        responses=problems(),
        opt=processing_log.logged_read(),
    )
    async def get_pdf(
        self, conn: Conn, principal: Me, credential_id: CredentialIdPath
    ) -> Response[bytes]:
        """The credential printed, in Dutch: its facts, the signatures as recorded, and a QR
        code of its page, where anyone can see whether it still stands."""
        document = await service.document(conn, principal, credential_id)
        name = f"certificaat-{credential_id}.pdf"
        return Response(
            document, media_type=PDF, headers={"Content-Disposition": f'inline; filename="{name}"'}
        )


class CycleCredentialController(Controller):
    path = "/v1/registers/{code:str}/credentials"
    tags = ("credentials",)
    dependencies = BASE

    @post(
        "/",
        operation_id="issueCycleCredentials",
        status_code=HTTP_207_MULTI_STATUS,
        responses={
            HTTP_207_MULTI_STATUS: ResponseSpec(
                CycleCredentials,
                description="An item per credential: `issued`, `already_issued` (the same id as"
                " before) or `refused` with its rule.",
            ),
            **problems(413, 415),
        },
    )
    async def issue_cycle(
        self,
        conn: Conn,
        principal: Me,
        state: State,
        base: Base,
        code: RegisterCodePath,
        data: JSONBody[CycleCredentialsIn],
    ) -> CycleCredentials:
        """Per person, the session credential of every standing credit of their cycle holding
        `on`, and the cycle's period statement (its totals, caps applied, each session
        credential and countersigned reflection statement as evidence). Idempotent: what was
        issued before answers `already_issued` with the same credential id; a period statement
        whose credits changed is revoked and issued again."""
        return await statements.issue_cycle(
            conn, principal, code, data, base_url=base, signer=_signer(state)
        )


class VerificationController(Controller):
    path = "/v1/credential-verifications"
    tags = ("verification",)

    @post(
        "/",
        operation_id="verifyCredential",
        status_code=HTTP_200_OK,
        **_public(413, 415, rules=rules.RULES_VERIFY),
    )
    async def verify(self, state: State, data: JSONBody[VerificationIn]) -> CredentialVerification:
        """Verify a credential as it was handed to you, without an account: `valid`, `revoked`,
        `tampered` or `unknown`, each check with its reason. Text that is no compact JWS is a
        422 (`compact_jws`)."""
        return await public.verify(state.pool, data.credential, signer=_signer(state))


class IssuerController(Controller):
    path = "/v1/issuers/{org_id:uuid}"
    tags = ("verification",)
    dependencies = BASE

    @get("/jwks.json", operation_id="getIssuerKeys", sync_to_thread=False, **_public())
    def keys(self, state: State, base: Base, org_id: IssuerPath) -> Jwks:
        """The issuer's public keys as a JWKS: the current one first, then older ones that
        credentials may still be signed with."""
        return public.jwks(org_id, base_url=base, signer=_signer(state))

    @get("/did.json", operation_id="getIssuerDid", sync_to_thread=False, **_public())
    def did(self, state: State, base: Base, org_id: IssuerPath) -> DidDocument:
        """The issuer as a `did:web` document (the `kid` of its credentials names it)."""
        return public.did_document(org_id, base_url=base, signer=_signer(state))

    @get(
        "/status-lists/{list_number:str}",
        operation_id="getStatusList",
        media_type=jose.MEDIA_TYPE,
        **_public(),
    )
    async def status_list(
        self, state: State, base: Base, org_id: IssuerPath, list_number: ListNumberPath
    ) -> Response[str]:
        """A Bitstring Status List credential (revocation), secured with VC-JOSE: the bit at a
        credential's `statusListIndex` is set when it is revoked."""
        token = await public.status_list(
            state.pool, org_id, int(list_number), base_url=base, signer=_signer(state)
        )
        return Response(token, media_type=jose.MEDIA_TYPE)

    @get(
        "/credentials/{credential_id:uuid}",
        operation_id="getCredentialPage",
        media_type=page.MEDIA_TYPE,
        **_public(),
    )
    async def page(
        self, state: State, org_id: IssuerPath, credential_id: CredentialIdPath
    ) -> Response[str]:
        """The credential's page for people (its QR code's link): its facts and its status."""
        html = await public.html(state.pool, org_id, credential_id, signer=_signer(state))
        return Response(html, media_type=page.MEDIA_TYPE)

    @get(
        "/credentials/{credential_id:uuid}/verification",
        operation_id="verifyCredentialById",
        **_public(),
    )
    async def verification(
        self, state: State, org_id: IssuerPath, credential_id: CredentialIdPath
    ) -> CredentialVerification:
        """Verify a credential by its id (the last part of its URL), as Kring stored it."""
        return await public.verify_stored(state.pool, org_id, credential_id, signer=_signer(state))
