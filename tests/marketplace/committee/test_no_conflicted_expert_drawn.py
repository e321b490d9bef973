"""No conflicted expert is ever drawn: a property test over random registries.

Each example builds a registry around one opened tender (its buyer and three bidders): other
organisations, shareholdings between any of them (organisations, people, unregistered holders;
some below the 5 % threshold), declared relations, legal representatives, and experts with random
specialties, statuses, availability, jobs ending around the three-year edge, declared relations and
portal memberships. The committee is then formed and one member declines. Every expert drawn,
first or as a replacement, is checked against `_eligible`, a plain-Python reading of the rules
written here from the registry's definitions, not from the selectors that implement them.

Each example runs in a savepoint rolled back at its end, so examples never see each other's data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from marketplace import services
from marketplace.committee_replay import committee_draw_replay
from marketplace.models import Committee, MemberState, Tender
from portal.errors import Conflict
from portal.notifications.models import Notification
from registry.models import DeclaredRelation, HolderKind, Membership, Organisation, Shareholder
from registry.roles import Role
from registry.talent.models import (
    Employment,
    EmploymentRole,
    Expert,
    ExpertModality,
    ExpertRelation,
    ExpertSector,
    ExpertStatus,
)
from registry.taxonomy import Modality, Sector
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.registry import valid_credit_code
from tests.factories.talent import ExpertFactory, PersonFactory

pytestmark = pytest.mark.django_db

SIZE = 5
FIXED = 4  # organisations 0 (the buyer) and 1-3 (the bidders) exist for every example
THRESHOLD_BP = 500  # 5 %: the registry's definition of a significant holding

# A job's end relative to the three-year edge: the edge itself and the day after still count.
EDGE_ENDS = ("day_before_edge", "edge", "day_after_edge")


@dataclass(frozen=True)
class ExpertSpec:
    modalities: frozenset[str]
    sectors: frozenset[str]
    status: str
    available: bool
    unavailable_for: int | None  # unavailable_until = today + this many days
    has_account: bool
    jobs: tuple[tuple[int, str, object], ...]  # (organisation, role, end: None | days ago | an EDGE_ENDS name)
    relations: frozenset[int]
    memberships: frozenset[int]


@dataclass(frozen=True)
class RegistrySpec:
    others: int  # organisations besides the buyer and the bidders
    outsiders: int  # people who are not experts (legal representatives, holders)
    experts: tuple[ExpertSpec, ...]
    representatives: tuple[int | None, ...]  # per organisation: the index of a person, or None
    # (holder, held organisation, share): holder ("org", i), ("person", i) or ("outside", i), an
    # unregistered organisation known only by its credit code.
    holdings: tuple[tuple[tuple[str, int], int, int], ...]
    declared: tuple[tuple[int, int], ...]

    @property
    def organisations(self) -> int:
        return FIXED + self.others

    @property
    def people(self) -> int:
        return len(self.experts) + self.outsiders


@st.composite
def registries(draw: st.DrawFn) -> RegistrySpec:
    others = draw(st.integers(min_value=0, max_value=3))
    organisation = st.integers(min_value=0, max_value=FIXED + others - 1)
    end = st.one_of(st.none(), st.sampled_from(EDGE_ENDS), st.integers(min_value=0, max_value=3_000))
    expert = st.builds(
        ExpertSpec,
        modalities=st.one_of(
            st.just(frozenset({Modality.VIDEO})),
            st.frozensets(st.sampled_from([Modality.VIDEO, Modality.IMAGE, Modality.TEXT]), max_size=2),
        ),
        sectors=st.frozensets(st.sampled_from([Sector.TRANSPORT, Sector.HEALTHCARE]), max_size=1),
        status=st.sampled_from([ExpertStatus.APPROVED] * 8 + [ExpertStatus.PENDING, ExpertStatus.SUSPENDED]),
        available=st.sampled_from([True] * 9 + [False]),
        unavailable_for=st.sampled_from([None] * 8 + [-1, 0, 1, 30]),
        has_account=st.sampled_from([True] * 9 + [False]),
        jobs=st.lists(st.tuples(organisation, st.sampled_from(EmploymentRole.values), end), max_size=2).map(tuple),
        relations=st.frozensets(organisation, max_size=1),
        memberships=st.frozensets(organisation, max_size=1),
    )
    # Some experts with no ties and the tender's modality, so that most examples can draw.
    plain = ExpertSpec(
        modalities=frozenset({Modality.VIDEO}),
        sectors=frozenset(),
        status=ExpertStatus.APPROVED,
        available=True,
        unavailable_for=None,
        has_account=True,
        jobs=(),
        relations=frozenset(),
        memberships=frozenset(),
    )
    experts = draw(st.lists(expert, min_size=3, max_size=10)) + [plain] * draw(st.integers(min_value=5, max_value=8))
    outsiders = draw(st.integers(min_value=0, max_value=2))
    person = st.integers(min_value=0, max_value=len(experts) + outsiders - 1)
    holder = st.one_of(
        st.tuples(st.just("org"), organisation),
        st.tuples(st.just("person"), person),
        st.tuples(st.just("outside"), st.integers(min_value=0, max_value=1)),
    )
    holdings = draw(
        st.lists(
            st.tuples(holder, organisation, st.sampled_from([100, THRESHOLD_BP - 1, THRESHOLD_BP, 5_100])), max_size=6
        )
    )
    unique_holdings: dict[tuple[tuple[str, int], int], int] = {}
    for who, held, share in holdings:
        if who != ("org", held):
            unique_holdings.setdefault((who, held), share)
    declared = [(a, b) for a, b in draw(st.lists(st.tuples(organisation, organisation), max_size=2)) if a != b]
    representatives = dict(draw(st.lists(st.tuples(organisation, person), max_size=3)))
    return RegistrySpec(
        others=others,
        outsiders=outsiders,
        experts=tuple(experts),
        representatives=tuple(representatives.get(org) for org in range(FIXED + others)),
        holdings=tuple((who, held, share) for (who, held), share in unique_holdings.items()),
        declared=tuple(dict.fromkeys(declared)),
    )


# --- the rules, read independently ----------------------------------------------------------------


def three_years_before(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 3, 2, 28)
    return date(day.year - 3, day.month, day.day)


def _job_end(end: object, today: date) -> date | None:
    edge = three_years_before(today)
    if end is None:
        return None
    if isinstance(end, int):
        return today - timedelta(days=end)
    return {"day_before_edge": edge - timedelta(days=1), "edge": edge, "day_after_edge": edge + timedelta(days=1)}[
        str(end)
    ]


def _related(spec: RegistrySpec, a: int, b: int) -> bool:
    """Two organisations are related parties (registry.related_parties' definition)."""
    significant = [(who, held) for who, held, share in spec.holdings if share >= THRESHOLD_BP]
    rep_a, rep_b = spec.representatives[a], spec.representatives[b]
    if rep_a is not None and rep_a == rep_b:
        return True
    if (("org", a), b) in significant or (("org", b), a) in significant:
        return True
    holders_of = {x: {who for who, held in significant if held == x} for x in (a, b)}
    if holders_of[a] & holders_of[b]:
        return True
    if rep_a is not None and (("person", rep_a), b) in significant:
        return True
    if rep_b is not None and (("person", rep_b), a) in significant:
        return True
    return (a, b) in spec.declared or (b, a) in spec.declared


def _conflict_organisations(spec: RegistrySpec) -> set[int]:
    tender_parties = set(range(FIXED))
    return tender_parties | {
        x for x in range(spec.organisations) for party in tender_parties if x != party and _related(spec, x, party)
    }


def _may_serve(expert: ExpertSpec, today: date) -> bool:
    """Approved, available today, with a portal account, and of the tender's modality or sector."""
    if expert.status != ExpertStatus.APPROVED or not expert.available or not expert.has_account:
        return False
    if expert.unavailable_for is not None and today + timedelta(days=expert.unavailable_for) >= today:
        return False
    return Modality.VIDEO in expert.modalities or Sector.TRANSPORT in expert.sectors


def _conflicted(spec: RegistrySpec, index: int, today: date) -> bool:
    """The expert is tied to the buyer, a bidder or a related party of one."""
    expert = spec.experts[index]
    conflicted = _conflict_organisations(spec)
    edge = three_years_before(today)
    significant = {(who, held) for who, held, share in spec.holdings if share >= THRESHOLD_BP}
    recent_jobs = [org for org, _role, end in expert.jobs if (ended := _job_end(end, today)) is None or ended >= edge]
    return (
        bool(set(recent_jobs) & conflicted)
        or bool(expert.relations & conflicted)
        or bool(expert.memberships & conflicted)
        or any(spec.representatives[org] == index for org in conflicted)
        or any((("person", index), org) in significant for org in conflicted)
    )


def _eligible(spec: RegistrySpec, today: date) -> set[int]:
    """Indices of the experts who may sit on the committee."""
    return {
        index
        for index, expert in enumerate(spec.experts)
        if _may_serve(expert, today) and not _conflicted(spec, index, today)
    }


# --- building the registry ----------------------------------------------------------------------


def _person_hash(index: int) -> str:
    return hashlib.sha256(f"outside person {index}".encode()).hexdigest()


def _build(spec: RegistrySpec, fixed: list[Organisation], today: date) -> list[Expert]:
    organisations = fixed + [OrganisationFactory(verified=True) for _ in range(spec.others)]
    experts = []
    for expert_spec in spec.experts:
        person = PersonFactory(user=UserFactory() if expert_spec.has_account else None)
        experts.append(
            ExpertFactory(
                person=person,
                status=expert_spec.status,
                available=expert_spec.available,
                unavailable_until=(
                    today + timedelta(days=expert_spec.unavailable_for)
                    if expert_spec.unavailable_for is not None
                    else None
                ),
            )
        )
    hashes = [e.person.id_hash for e in experts] + [_person_hash(i) for i in range(spec.outsiders)]
    for expert, expert_spec in zip(experts, spec.experts, strict=True):
        ExpertModality.objects.bulk_create(ExpertModality(expert=expert, modality=m) for m in expert_spec.modalities)
        ExpertSector.objects.bulk_create(ExpertSector(expert=expert, sector=s) for s in expert_spec.sectors)
        for org, role, end in expert_spec.jobs:
            Employment.objects.create(
                expert=expert,
                organisation=organisations[org],
                role=role,
                started_on=date(2005, 1, 1),
                ended_on=_job_end(end, today),
            )
        for org in expert_spec.relations:
            ExpertRelation.objects.create(expert=expert, organisation=organisations[org], nature="亲属在该单位任职")
        for org in expert_spec.memberships if expert.person.user else ():
            Membership.objects.create(user=expert.person.user, organisation=organisations[org], role=Role.VENDOR_STAFF)
    for organisation, representative in zip(organisations, spec.representatives, strict=True):
        Organisation.objects.filter(pk=organisation.pk).update(
            legal_representative="法定代表人" if representative is not None else "",
            legal_representative_id_hash=hashes[representative] if representative is not None else "",
        )
    for (kind, who), held, share in spec.holdings:
        holder = {"name": "股东", "share_bp": share, "organisation": organisations[held]}
        if kind == "org":
            holder |= {"holder_kind": HolderKind.ORGANISATION, "holder_credit_code": organisations[who].credit_code}
        elif kind == "outside":
            code = valid_credit_code(900_000 + who, region_code="110000")
            holder |= {"holder_kind": HolderKind.ORGANISATION, "holder_credit_code": code}
        else:
            holder |= {"holder_kind": HolderKind.PERSON, "holder_id_hash": hashes[who]}
        Shareholder.objects.create(**holder)
    declarer = UserFactory()
    for a, b in spec.declared:
        DeclaredRelation.objects.create(
            organisation=organisations[a],
            related_organisation=organisations[b],
            nature="同一实际控制人",
            declared_by=declarer,
        )
    return experts


def _specialised(expert_ids: list[int]) -> bool:
    """Every one of these experts has the tender's modality (video) or sector (transport)."""
    matching = Expert.objects.filter(pk__in=expert_ids).filter(
        pk__in=ExpertModality.objects.filter(modality=Modality.VIDEO).values("expert")
    ) | Expert.objects.filter(pk__in=expert_ids, sectors__sector=Sector.TRANSPORT)
    return set(matching.values_list("pk", flat=True)) == set(expert_ids)


def check_draws(*, tender, buyer, spec: RegistrySpec) -> None:
    """Build the registry, form the committee, decline one seat: only eligible experts are drawn."""
    today = timezone.localdate()
    bidders = [bid.vendor for bid in tender.bids.select_related("vendor").order_by("vendor_id")]
    assert len(bidders) == FIXED - 1
    with transaction.atomic():
        experts = _build(spec, [tender.buyer, *bidders], today)
        tender = Tender.objects.get(pk=tender.pk)  # its buyer as the example left it, not as cached
        allowed = {experts[i].pk for i in _eligible(spec, today)}
        tied = [i for i, e in enumerate(spec.experts) if _may_serve(e, today) and _conflicted(spec, i, today)]
        event("an expert who may serve is conflicted" if tied else "no conflict among those who may serve")

        try:
            committee = services.committee_form(actor=buyer, tender=tender, size=SIZE)
        except Conflict:
            event("pool too small")
            assert len(allowed) < SIZE
            assert set(services.committee_candidates(tender)) == allowed
            assert not Committee.objects.filter(tender=tender).exists()
        else:
            first = committee.draws.get()
            assert set(first.candidates) == allowed
            assert set(first.drawn) <= allowed
            assert _specialised(first.drawn)

            member = committee.members.select_related("expert__person__user").first()
            services.committee_member_decline(
                actor=member.expert.person.user, member=member, declaration="与投标人存在利害关系"
            )
            replacement = committee.draws.filter(round=2).first()
            event("replacement drawn" if len(allowed) > SIZE else "no replacement left")
            if len(allowed) > SIZE:
                assert replacement is not None
                assert set(replacement.candidates) == allowed - set(first.drawn)
                assert set(replacement.drawn) <= allowed - set(first.drawn)
                assert _specialised(replacement.drawn)
            else:
                assert replacement is None
                assert Notification.objects.filter(kind="committee.short").exists()
            assert committee.members.exclude(state=MemberState.DECLINED).count() == (
                SIZE if len(allowed) > SIZE else SIZE - 1
            )
            assert committee_draw_replay(tender=tender).ok
        transaction.set_rollback(True)


PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY_SETTINGS
@given(spec=registries())
def test_no_conflicted_expert_is_ever_drawn(tender, buyer, spec):
    check_draws(tender=tender, buyer=buyer, spec=spec)
