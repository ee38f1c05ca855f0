"""Information sharing between partners: the organisation-kind dimension of the access policy.

The role table in `gvi.policy` says what a role may do with its own organisation's records (OWN)
or with the programme's (SHARED). For a record that *another* organisation owns, SHARED is only
a ceiling. The record is disclosed to the reader when
- a sharing rule below lets the reader's organisation kind (and role) see that record kind from
  the owner's organisation kind, within the rule's reach (every record, the persons the reader's
  organisation works with, the persons in a concern report), and the programme has written down
  the rule's legal basis (`SharingBasis`): a rule without a basis shares nothing; or
- the person has consented to share that kind of record with the reader's organisation
  (`Consent`), and has not withdrawn it.
The minors rule still applies on top: a role that sees only its own organisation's minors sees
another's minor only through a rule that says it covers minors (child protection); consent never
opens a minor's records.

Every read of such a record is logged as a disclosure with the rule and basis relied on
(`disclosures_for`, called by `gvi.audit.log_access`).

Querysets are filtered with subqueries only (no extra query per request), so a basis removed or a
consent withdrawn takes effect on the very next request, cached API keys included.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Exists, Q
from django.utils import timezone

from gvi.models import (
    BasisKind,
    ConcernReport,
    Consent,
    ConsentScope,
    CustomNotification,
    ExitCase,
    Invitation,
    OrganisationKind,
    PartnerOrganisation,
    Person,
    Role,
    ServiceReferral,
    SharingBasis,
)

K = OrganisationKind
EVERY_KIND = frozenset(K.values)


class Reach(StrEnum):
    ALL = "all"  # every record of the kinds named
    WORKS_WITH = "works_with"  # records about persons the reader's organisation works with
    CONCERN = "concern"  # records about persons with a concern report in the programme


@dataclass(frozen=True)
class SharingRule:
    """One organisation kind's right to read another's records, on one legal basis."""

    code: str
    description: str
    readers: frozenset  # organisation kinds of the reader
    kinds: frozenset  # record kinds read
    owners: frozenset = EVERY_KIND  # organisation kinds of the record's owner
    reach: Reach = Reach.ALL
    roles: frozenset | None = None  # None: every role (the role table still caps each)
    minors: bool = False  # also opens minors' records to roles that see only their own minors
    basis_kind: str = BasisKind.AGREEMENT
    default_basis: str = field(default="", compare=False)


PICTURE_KINDS = frozenset({"group", "group_relation", "incident", "group_attribution", "call_in"})
CALL_IN_KINDS = frozenset({"person", "membership", "invitation", "custom_notification", "notice"})
PERSON_KINDS = frozenset(
    {
        "person",
        "membership",
        "supervision",
        "involvement",
        "invitation",
        "custom_notification",
        "enforcement_action",
        "service_referral",
        "exit_case",
        "concern_report",
        "risk_assessment",
        "follow_up",
        "notice",
        "consent",
    }
)
REVIEWED = " (Standardtext: ska bekräftas eller ersättas av satsningens jurister.)"

SHARING_RULES: tuple[SharingRule, ...] = (
    SharingRule(
        "situational_picture",
        "Every partner sees the shared situational picture: groups, their relations, incidents, "
        "attributions and call-ins.",
        readers=EVERY_KIND,
        kinds=PICTURE_KINDS,
        default_basis="Samverkansöverenskommelse om den gemensamma lägesbilden." + REVIEWED,
    ),
    SharingRule(
        "call_in",
        "Police, probation, social services and other authorities see the persons, memberships, "
        "invitations, custom notifications and notices the call-in needs.",
        readers=frozenset({K.POLICE, K.PROBATION, K.MUNICIPALITY, K.OTHER}),
        kinds=CALL_IN_KINDS,
        basis_kind=BasisKind.SECRECY_BREAKING,
        default_basis="OSL 10 kap. 2 § (nödvändigt utlämnande) och samverkansöverenskommelsen." + REVIEWED,
    ),
    SharingRule(
        "supervision_and_enforcement",
        "Police and probation see supervision and focused enforcement.",
        readers=frozenset({K.POLICE, K.PROBATION}),
        kinds=frozenset({"supervision", "enforcement_action"}),
        basis_kind=BasisKind.SECRECY_BREAKING,
        default_basis="OSL 10 kap. 2 § (nödvändigt utlämnande); samverkan om riktade insatser." + REVIEWED,
    ),
    SharingRule(
        "police_intelligence",
        "Police see suspect, victim and witness roles and risk assessments of police and probation.",
        readers=frozenset({K.POLICE}),
        kinds=frozenset({"involvement", "risk_assessment"}),
        owners=frozenset({K.POLICE, K.PROBATION}),
        basis_kind=BasisKind.SECRECY_BREAKING,
        default_basis="OSL 10 kap. 2 § (nödvändigt utlämnande); polisens underrättelser delas bara inom rättsväsendet."
        + REVIEWED,
    ),
    SharingRule(
        "support",
        "Probation and social services see the help offered to persons.",
        readers=frozenset({K.PROBATION, K.MUNICIPALITY}),
        kinds=frozenset({"service_referral"}),
        basis_kind=BasisKind.SECRECY_BREAKING,
        default_basis="OSL 10 kap. 2 §; samverkan om stöd och insatser." + REVIEWED,
    ),
    SharingRule(
        "child_protection",
        "Social services see every concern report, about minors too.",
        readers=frozenset({K.MUNICIPALITY}),
        kinds=frozenset({"concern_report"}),
        minors=True,
        basis_kind=BasisKind.DUTY_TO_REPORT,
        default_basis="Anmälningsskyldighet enligt socialtjänstlagen; OSL 10 kap. 28 §." + REVIEWED,
    ),
    SharingRule(
        "child_protection_persons",
        "Social services see the persons in a concern report, minors too, with their memberships, "
        "call-in contacts and help offered.",
        readers=frozenset({K.MUNICIPALITY}),
        kinds=CALL_IN_KINDS | {"service_referral"},
        reach=Reach.CONCERN,
        minors=True,
        basis_kind=BasisKind.DUTY_TO_REPORT,
        default_basis="Anmälningsskyldighet enligt socialtjänstlagen; OSL 10 kap. 28 §." + REVIEWED,
    ),
    SharingRule(
        "works_with",
        "Civil society and exit organisations see the persons they work with (a referral, an exit "
        "case, an invitation or a custom notification they deliver): identity, memberships, "
        "call-in contacts, help and exit work. Never supervision, suspect roles or intelligence.",
        readers=frozenset({K.CIVIL_SOCIETY, K.EXIT}),
        kinds=CALL_IN_KINDS | {"service_referral", "exit_case"},
        reach=Reach.WORKS_WITH,
        default_basis="Samverkansöverenskommelse; personen deltar frivilligt i insatsen." + REVIEWED,
    ),
    SharingRule(
        "coordination",
        "Coordinators of police, probation and social services see the programme's casework.",
        readers=frozenset({K.POLICE, K.PROBATION, K.MUNICIPALITY}),
        kinds=PERSON_KINDS,
        roles=frozenset({Role.COORDINATOR}),
        basis_kind=BasisKind.SECRECY_BREAKING,
        default_basis="OSL 10 kap. 2 §; samordningsuppdraget i samverkansöverenskommelsen." + REVIEWED,
    ),
    SharingRule(
        "oversight",
        "Auditors (the data protection officer) see every record, to check lawful use.",
        readers=EVERY_KIND,
        kinds=PERSON_KINDS | PICTURE_KINDS | {"access_log"},
        roles=frozenset({Role.AUDITOR}),
        basis_kind=BasisKind.OVERSIGHT,
        default_basis="Dataskyddsombudets uppgifter, GDPR art. 39." + REVIEWED,
    ),
)
RULES_BY_CODE = {rule.code: rule for rule in SHARING_RULES}

# Who records (creates and changes) a kind of partner work: the organisation kinds whose mandate it
# is. The role table still caps each role; a kind not named here is recorded by every kind.
RECORDED_BY: dict[str, frozenset] = {
    # Supervision is the probation service's own decision and record.
    "supervision": frozenset({K.PROBATION}),
    # Exit support is run by exit organisations, civil society and municipal social services.
    "exit_case": frozenset({K.EXIT, K.CIVIL_SOCIETY, K.MUNICIPALITY}),
}


def records(organisation_kind: str, kind: str) -> bool:
    """Does an organisation of `organisation_kind` record (create, change) records of `kind`?"""
    return organisation_kind in RECORDED_BY.get(kind, EVERY_KIND)


# What a consent of each scope lets the named partner see (never involvements or concern reports).
CONSENT_KINDS: dict[str, frozenset] = {
    ConsentScope.CONTACT: CALL_IN_KINDS,
    ConsentScope.CASEWORK: CALL_IN_KINDS | {"service_referral", "exit_case", "risk_assessment"},
    ConsentScope.SUPERVISION: CALL_IN_KINDS
    | {"service_referral", "exit_case", "risk_assessment", "supervision", "enforcement_action"},
}
CONSENT_RULE = "consent"


def rules_for(role: str, organisation_kind: str, kind: str) -> list[SharingRule]:
    """The rules that could let a `role` of an `organisation_kind` read another's `kind`."""
    return [
        rule
        for rule in SHARING_RULES
        if organisation_kind in rule.readers and kind in rule.kinds and (rule.roles is None or role in rule.roles)
    ]


def consent_scopes_for(kind: str) -> list[str]:
    return [scope for scope, kinds in CONSENT_KINDS.items() if kind in kinds]


# --- querysets ----------------------------------------------------------------------------


def _person_in(person_path: str, persons) -> Q:
    return Q(**{f"{person_path}__in" if person_path else "pk__in": persons})


def works_with_q(organisation_id, person_path: str) -> Q:
    """Records about a person the organisation works with: it owns a referral, an exit case or
    an invitation about them, or owns or delivers a custom notification to them."""
    delivered = CustomNotification.objects.filter(
        Q(organisation_id=organisation_id) | Q(delivering_organisations=organisation_id)
    )
    sources = [
        ServiceReferral.objects.filter(organisation_id=organisation_id),
        ExitCase.objects.filter(organisation_id=organisation_id),
        Invitation.objects.filter(organisation_id=organisation_id),
        delivered,
    ]
    condition = Q(pk__in=[])
    for source in sources:
        condition |= _person_in(person_path, source.values("person_id"))
    return condition


def concern_q(programme_id, person_path: str) -> Q:
    """Records about a person with a concern report in the programme."""
    return _person_in(person_path, ConcernReport.objects.filter(programme_id=programme_id).values("person_id"))


def _reach_q(rule: SharingRule, user, person_path: str | None) -> Q | None:
    if rule.reach == Reach.ALL:
        return Q()
    if person_path is None:
        return None  # a reach about persons says nothing of records about no one
    if rule.reach == Reach.WORKS_WITH:
        return works_with_q(user.organisation_id, person_path)
    return concern_q(user.organisation.programme_id, person_path)


def _rule_q(rule: SharingRule, user, spec) -> Q | None:
    reach = _reach_q(rule, user, spec.person_path)
    if reach is None:
        return None
    condition = Q(
        Exists(
            SharingBasis.objects.filter(programme_id=user.organisation.programme_id, rule=rule.code).exclude(text="")
        )
    )
    if rule.owners != EVERY_KIND:
        owners = PartnerOrganisation.objects.filter(kind__in=rule.owners).values("pk")
        condition &= Q(**{f"{spec.organisation_path}_id__in": owners})
    return condition & reach


def _consent_q(user, kind: str, spec) -> Q | None:
    scopes = consent_scopes_for(kind)
    if not scopes or spec.person_path is None:
        return None
    consents = Consent.objects.filter(
        organisation_id=user.organisation_id,
        scope__in=scopes,
        withdrawn_at__isnull=True,
        given_on__lte=timezone.localdate(),
    )
    return _person_in(spec.person_path, consents.values("person_id"))


def disclosed_q(user, kind: str, spec) -> Q:
    """Another organisation's records of `kind` that `user` may see: some rule with a basis, or a
    consent. (The caller ANDs it with the programme and ORs it with the user's own records.)"""
    condition = Q(pk__in=[])
    for rule in rules_for(user.role, user.organisation.kind, kind):
        rule_q = _rule_q(rule, user, spec)
        if rule_q is not None:
            condition |= rule_q
    consent = _consent_q(user, kind, spec)
    if consent is not None:
        condition |= consent
    return condition


def minors_disclosed_q(user, kind: str, spec) -> Q:
    """Another organisation's records about minors that a role seeing only its own minors may
    still see: those a rule that covers minors discloses."""
    condition = Q(pk__in=[])
    for rule in rules_for(user.role, user.organisation.kind, kind):
        if rule.minors:
            rule_q = _rule_q(rule, user, spec)
            if rule_q is not None:
                condition |= rule_q
    return condition


# --- single records and the disclosure log ------------------------------------------------


@dataclass(frozen=True)
class Disclosure:
    """What a read of another organisation's record relied on."""

    owner_organisation_id: int
    rule: str
    basis: str
    opens_minors: bool


def owner_id(spec, obj):
    from gvi.policy import _id_at

    return _id_at(obj, spec.organisation_path) if spec.organisation_path else None


def disclosures_for(user, kind: str, objects) -> dict[int, Disclosure | None]:
    """For each of `objects` (records of `kind`) that another organisation owns: the rule (and its
    basis) that discloses it to `user`, or None when nothing does. Keyed by position in `objects`.

    A few queries per call whatever the number of objects (owner kinds, bases, reach, consents),
    and none when every object is the user's own organisation's.
    """
    from gvi.policy import RECORD_KINDS

    spec = RECORD_KINDS[kind]
    if spec.organisation_path is None or getattr(user, "organisation_id", None) is None:
        return {}
    foreign = {
        index: owner
        for index, obj in enumerate(objects)
        if (owner := owner_id(spec, obj)) is not None and owner != user.organisation_id
    }
    if not foreign:
        return {}
    objects = list(objects)
    owner_kinds = _owner_kinds(spec, objects, foreign)
    rules = rules_for(user.role, user.organisation.kind, kind)
    bases = dict(
        SharingBasis.objects.filter(programme_id=user.organisation.programme_id, rule__in=[r.code for r in rules])
        .exclude(text="")
        .values_list("rule", "text")
    )
    persons = {index: _person_id(spec, objects[index]) for index in foreign}
    reached = {}
    for reach in {rule.reach for rule in rules if rule.code in bases and rule.reach != Reach.ALL}:
        ids = {pid for pid in persons.values() if pid is not None}
        if reach == Reach.WORKS_WITH:
            reach_q = works_with_q(user.organisation_id, "")
        else:
            reach_q = concern_q(user.organisation.programme_id, "")
        reached[reach] = set(Person.objects.filter(reach_q, pk__in=ids).values_list("pk", flat=True)) if ids else set()
    found: dict[int, Disclosure | None] = {}
    for index, owner in foreign.items():
        found[index] = None
        matching = [
            rule
            for rule in rules
            if rule.code in bases
            and owner_kinds.get(owner) in rule.owners
            and (rule.reach == Reach.ALL or persons[index] in reached.get(rule.reach, ()))
        ]
        if matching:
            # The first rule that also opens minors, if any, so a minor's record names the rule relied on.
            rule = next((r for r in matching if r.minors), matching[0])
            found[index] = Disclosure(owner, rule.code, bases[rule.code], any(r.minors for r in matching))
    # Consent only for what no rule discloses: one query, and none when the rules cover everything.
    unmatched = {index: persons[index] for index, disclosure in found.items() if disclosure is None}
    consents = _consents(user, kind, unmatched) if unmatched else {}
    for index, person_id in unmatched.items():
        if person_id in consents:
            found[index] = Disclosure(foreign[index], CONSENT_RULE, consents[person_id], False)
    return found


def _person_id(spec, obj):
    if spec.person_path is None:
        return None
    return obj.pk if spec.person_path == "" else getattr(obj, f"{spec.person_path}_id", None)


def _owner_kinds(spec, objects, foreign) -> dict:
    """Owner organisation id → kind, from the loaded organisations where the objects carry them."""
    kinds, missing = {}, set()
    field_name = spec.organisation_path.split("__")[-1]
    for index, owner in foreign.items():
        organisation = (
            objects[index]._state.fields_cache.get(field_name) if "__" not in spec.organisation_path else None
        )
        if organisation is not None:
            kinds[owner] = organisation.kind
        else:
            missing.add(owner)
    missing -= set(kinds)
    if missing:
        kinds.update(PartnerOrganisation.objects.filter(pk__in=missing).values_list("pk", "kind"))
    return kinds


def _consents(user, kind, persons) -> dict:
    """Person id → the text naming the consent relied on, for the consents `user`'s organisation holds."""
    scopes = consent_scopes_for(kind)
    ids = {pid for pid in persons.values() if pid is not None}
    if not scopes or not ids:
        return {}
    rows = Consent.objects.filter(
        organisation_id=user.organisation_id,
        person_id__in=ids,
        scope__in=scopes,
        withdrawn_at__isnull=True,
        given_on__lte=timezone.localdate(),
    ).values_list("person_id", "pk", "given_on")
    return {person_id: f"Samtycke nr {pk}, lämnat {given_on:%Y-%m-%d}" for person_id, pk, given_on in rows}


def disclosed_state(user, kind: str, obj) -> Disclosure | None:
    """The rule or consent that discloses another organisation's record `obj` (saved or not) to `user`."""
    return disclosures_for(user, kind, [obj]).get(0)
