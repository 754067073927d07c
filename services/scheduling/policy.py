"""Who may call each of scheduling's operations, and on which rows (ADR 0080; ``kit.policy``).

The roles are those of ``principal.py``, widest first. The row half is enforced where the rows
are read: ``groups.rules`` (``may_see``, ``narrowed_to``: groups, sessions, proofs, history,
calendars), ``people.rules`` (people), ``organisations.rules`` (client organisations),
``event_scope`` (the event feed and the deliveries it makes). A row outside the caller's scope
is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.kit.policy import PUBLIC, TENANT, Policy, event_rows

ROLES_WIDEST_FIRST = ("admin", "hr", "facilitator", "registrar", "participant", "service")

FACILITATED = "facilitated"
FACILITATED_PEOPLE = "facilitated_people"
CLIENT_ORG = "client_org"
CLIENT_ORG_EVENTS = "client_org_events"
OWN_SUBSCRIPTIONS = "own_subscriptions"
CONSUMED = "consumed"
MEMBER = "member"
SELF = "self"

SCOPES = {
    TENANT: "every row of the organisation",
    FACILITATED: "the groups it facilitates, with their sessions, proofs, history and calendars",
    FACILITATED_PEOPLE: "the people of the groups it facilitates, and itself",
    CLIENT_ORG: "its own client organisation and that organisation's people",
    CLIENT_ORG_EVENTS: "the events about its client organisation's people, each snapshot"
    " reduced to them",
    OWN_SUBSCRIPTIONS: "the subscriptions it created, each receiving what it may read",
    CONSUMED: "the event types accreditation and invoicing consume",
    MEMBER: "the groups it belongs to, with their sessions, proofs and calendars",
    SELF: "itself",
}

ADMIN = {"admin": TENANT}
SESSION_MANAGERS = {"admin": TENANT, "facilitator": FACILITATED}
SESSION_READERS = {**SESSION_MANAGERS, "participant": MEMBER}
OWN_CALENDAR = {"admin": TENANT, "facilitator": SELF, "participant": SELF}
PEOPLE_WRITERS = {"admin": TENANT, "hr": CLIENT_ORG}
ORGANISATION_READERS = {"admin": TENANT, "hr": CLIENT_ORG}
MEMBERS_OWN_ACT = {"admin": TENANT, "participant": SELF}
CATALOGUE = {
    "admin": TENANT,
    "hr": TENANT,
    "facilitator": TENANT,
    "registrar": TENANT,
    "participant": TENANT,
}

TABLE: dict[str, Mapping[str, str]] = {
    # Client organisations
    "upsertClientOrganisation": ADMIN,
    "getClientOrganisation": ORGANISATION_READERS,
    "getClientOrganisationByExternalId": ORGANISATION_READERS,
    "listClientOrganisations": ORGANISATION_READERS,
    # People
    "upsertPerson": PEOPLE_WRITERS,
    "upsertPeople": PEOPLE_WRITERS,
    "getPerson": {
        "admin": TENANT,
        "hr": CLIENT_ORG,
        "facilitator": FACILITATED_PEOPLE,
        "participant": SELF,
    },
    "getPersonByExternalId": {
        "admin": TENANT,
        "hr": CLIENT_ORG,
        "facilitator": FACILITATED_PEOPLE,
        "participant": SELF,
    },
    "listPeople": {"admin": TENANT, "hr": CLIENT_ORG, "facilitator": FACILITATED_PEOPLE},
    "getPersonCalendar": OWN_CALENDAR,
    "getPersonCalendarFeed": OWN_CALENDAR,
    "issuePersonCalendarFeed": OWN_CALENDAR,
    "revokePersonCalendarFeed": OWN_CALENDAR,
    # Facilitators
    "upsertFacilitator": ADMIN,
    "getFacilitator": {"admin": TENANT, "facilitator": SELF, "participant": MEMBER},
    "listFacilitators": {"admin": TENANT, "facilitator": SELF},
    # Methods: the catalogue every caller plans and reads by
    "createMethod": ADMIN,
    "getMethod": CATALOGUE,
    "listMethods": CATALOGUE,
    # Groups
    "createGroup": ADMIN,
    "getGroup": SESSION_READERS,
    "listGroups": SESSION_READERS,
    "addGroupMember": SESSION_MANAGERS,
    "reviseAgreement": SESSION_MANAGERS,
    "removeGroupMember": {"admin": TENANT, "facilitator": FACILITATED, "participant": SELF},
    "recordConsent": MEMBERS_OWN_ACT,
    "acceptAgreement": MEMBERS_OWN_ACT,
    "getGroupCalendar": SESSION_READERS,
    "getGroupCalendarFeed": SESSION_MANAGERS,
    "issueGroupCalendarFeed": SESSION_MANAGERS,
    "revokeGroupCalendarFeed": SESSION_MANAGERS,
    "getSubscribedCalendar": PUBLIC,
    # Sessions and attendance
    "planSessions": SESSION_MANAGERS,
    "listSessions": SESSION_READERS,
    "getSession": SESSION_READERS,
    "listSessionChanges": SESSION_READERS,
    "getProofOfAttendance": SESSION_READERS,
    "rescheduleSession": SESSION_MANAGERS,
    "cancelSession": SESSION_MANAGERS,
    "closeSession": SESSION_MANAGERS,
    "recordAttendance": SESSION_MANAGERS,
    "amendAttendance": SESSION_MANAGERS,
    "signSession": {"facilitator": FACILITATED, "participant": MEMBER},
    # A person's data (GDPR): scheduling's part, and the person's one request for all three
    "exportSubject": MEMBERS_OWN_ACT,
    "eraseSubject": ADMIN,
    "getSubjectErasure": ADMIN,
    "exportPerson": MEMBERS_OWN_ACT,
    "erasePerson": ADMIN,
    "listErasureRequests": ADMIN,
    "getErasureRequest": MEMBERS_OWN_ACT,
    # Events and their deliveries (kit.events, kit.subscriptions)
    **event_rows(
        feed={"admin": TENANT, "hr": CLIENT_ORG_EVENTS, "service": CONSUMED},
        log=ADMIN,
        subscriptions={"admin": TENANT, "hr": OWN_SUBSCRIPTIONS},
    ),
    # The processing log and the retention settings (the kit's routes).
    "listProcessingLog": {"admin": TENANT, "participant": SELF},
    "getRetentionSettings": ADMIN,
    "updateRetentionSettings": ADMIN,
}

POLICY = Policy(roles=ROLES_WIDEST_FIRST, scopes=SCOPES, table=TABLE)
