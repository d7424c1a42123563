"""Every read of case data that depends on who asks."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case as Case_
from django.db.models import Count, F, IntegerField, Max, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from agencies.models import Agency, CommunityResource, User
from agencies.roles import Role
from core.japanese import (
    fiscal_year_bounds,
    format_wareki,
    normalize_address,
    normalize_kana,
    normalize_phone,
    normalize_text,
)
from core.paging import (
    Gathered,
    KeyField,
    Keyset,
    aware_datetime,
    keyset_read,
    source_querysets,
)

from .masking import (
    CONSULTER_FIELDS,
    HOUSEHOLD_CONTACT_FIELDS,
    MASK_TEXT,
    PERSON_CONTACT_FIELDS,
    masking_for,
    protected_household_ids,
    sees_consulter,
    sees_protected_contacts,
)
from .models import (
    Case,
    CaseAccess,
    CaseClosure,
    CaseEvent,
    CaseSuspension,
    Consultation,
    DvSupportMeasure,
    EmergencyAccessRequest,
    Household,
    OutreachContact,
    OutreachEngagement,
    Person,
    SupportRecord,
)
from .models.participation import ParticipationSupport
from .models.plans import Assessment, AssessmentMember, PlanStakeholder, PlanTask, SupportPlan
from .permissions import (
    WORKING_BASES,
    HouseholdNeedsOnce,
    Need,
    access_rows_for,
    active_q,
    case_needs,
    case_needs_met,
    emergency_household_ids,
    emergency_households,
    household_needs,
    outreach_needs,
    outreach_visible_q,
    persons_consent_needs_met,
    uncased_consultation_branches,
    uncased_consultations_q,
    visible_case_id_parts,
    visible_case_ids,
    works_cases,
)


def cases_visible_to(user: User, *, walked: bool = False) -> QuerySet[Case]:
    """The cases ``user`` holds an access row on. ``walked``: the same cases for a page
    read in an index's order (the ケース一覧), asked as an OR of the two holders'
    subqueries (``visible_case_id_parts``) so that PostgreSQL walks the index to the end
    of the page; otherwise their union, the join that suits counting and lookups."""
    if walked:
        own, agency = visible_case_id_parts(user)
        return Case.objects.filter(Q(pk__in=own) | Q(pk__in=agency))
    return Case.objects.filter(pk__in=visible_case_ids(user))


def open_case_of_household_for_user(*, user: User, household: Household) -> Case | None:
    """The household's open case the user sees (the one a provision is about)."""
    return (
        cases_visible_to(user)
        .filter(household=household, status__in=Case.OPEN_STATUSES)
        .order_by("opened_at")
        .first()
    )


def case_get_for_user(*, user: User, pk, need: Need = Need.VIEW) -> Case:
    """The case, or 404 when the user may not see it (same as nonexistent), 403 when
    they see it but may not do ``need``."""
    case, _needs = case_get_with_needs(user=user, pk=pk, need=need)
    return case


def case_get_with_needs(*, user: User, pk, need: Need = Need.VIEW) -> tuple[Case, frozenset[Need]]:
    """``case_get_for_user``, and what the user may do to the case (``case_needs``),
    from the one read of their access rows on it."""
    bases = set(access_rows_for(user).filter(case_id=pk).values_list("basis", flat=True))
    if not bases:
        raise Http404
    needs = case_needs_met(bases)
    if need not in needs:
        raise PermissionDenied
    case = Case.objects.select_related(
        "household", "lead_coordinator", "main_agency", "opened_by"
    ).get(pk=pk)
    return case, needs


def case_needs_for_user(*, user: User, case: Case) -> frozenset[Need]:
    return case_needs(user, case)


def consultations_visible_to(user: User) -> QuerySet[Consultation]:
    """A consultation without a case: its window, the coordinators of its area once it
    is handed to 多機関協働, and an agency an emergency provision opens it to. With a
    case: whoever holds an access row on the case — asked of the access rows directly
    (through the case table it cost a join per consultation of the city)."""
    if not works_cases(user):
        return Consultation.objects.none()
    visible = uncased_consultations_q(user) | Q(case_id__in=visible_case_ids(user))
    provided = emergency_household_ids(user)
    if provided:
        visible |= Q(case__isnull=True, household_id__in=provided)
    return Consultation.objects.filter(visible)


def consultation_sources(*, user: User, uncased_only: bool = False) -> list:
    """``consultations_visible_to`` as the querysets it is the union of, each served by
    an index of its own — for the 相談一覧, which reads a page from each (a single OR
    made PostgreSQL filter every consultation of the city, on every page)."""
    if not works_cases(user):
        return []
    own_window, *handed = uncased_consultation_branches(user)
    # The own window's have an index in 受付 order; the handed ones are few and found
    # by their outcome or sheet, so they are gathered and sorted, not met by walking.
    sources = [Consultation.objects.filter(own_window)]
    sources += [Gathered(Consultation.objects.filter(q)) for q in handed]
    provided = emergency_household_ids(user)
    if provided:
        sources.append(Consultation.objects.filter(case__isnull=True, household_id__in=provided))
    if not uncased_only:
        sources.append(_cased_consultations(user))
    return sources


# Up to this many cases, a user's consultations on cases are gathered by their case
# ids; beyond it, met by walking the city's consultations newest first.
GATHER_CASES = 2000


def _cased_consultations(user: User):
    """The consultations on the user's cases, read the way that stays cheap: a user with
    few cases (most agency staff) has them fetched by case id — walking the city's
    newest consultations would pass a hundred others for each of theirs, and all of
    them for cases that are old. A user with many (a coordinator) meets theirs within a
    few hundred rows of any point, where gathering thousands to sort would cost more."""
    few = list(visible_case_ids(user)[: GATHER_CASES + 1])
    if len(few) <= GATHER_CASES:
        return Consultation.objects.filter(case_id__in=few)
    # Walked newest first: each holder's cases hashed once (visible_case_id_parts).
    own, agency = visible_case_id_parts(user)
    return Consultation.objects.filter(Q(case_id__in=own) | Q(case_id__in=agency))


# The 相談一覧's order: newest first (the key's last column is the primary key).
CONSULTATION_ORDER = Keyset(
    (KeyField("received_at", aware_datetime), KeyField("id", uuid.UUID)), descending=True
)
COLLABORATION = Consultation.Outcome.COLLABORATION
# The coordinator's home: handed consultations waiting longest first.
CONSULTATION_WAITING_ORDER = Keyset(CONSULTATION_ORDER.fields, descending=False)
# The 世帯一覧's order: ふりがな (五十音順).
HOUSEHOLD_ORDER = Keyset((KeyField("kana_key", str), KeyField("id", uuid.UUID)))


def consultations_for_keys(keys: list[tuple]) -> list[Consultation]:
    """The rows of a page of the 相談一覧, in the page's order (one query)."""
    ids = [key[-1] for key in keys]
    rows = Consultation.objects.select_related(
        "person", "receiving_agency", "main_issue", "case"
    ).in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def households_for_keys(keys: list[tuple]) -> list[Household]:
    """The rows of a page of the 世帯一覧, in the page's order (one query)."""
    ids = [key[-1] for key in keys]
    rows = Household.objects.in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def households_visible_to(user: User, *, within: QuerySet | None = None) -> QuerySet[Household]:
    """A household is seen through a consultation or a case the user sees (every case
    holds at least one consultation), or an emergency provision. ``within`` (a queryset
    of household ids, e.g. a search's) narrows every way in before the union, so that a
    search costs what it finds, not what the user may see."""
    if not works_cases(user):
        return Household.objects.none()
    visible = Q(pk__in=_household_ids_seen(user, within=within))
    provided = emergency_household_ids(user)
    if provided:
        visible |= Q(pk__in=provided)
    return Household.objects.filter(visible)


def households_for_list(user: User) -> QuerySet[Household]:
    """``households_visible_to`` as the 世帯一覧 reads it, a page in ふりがな order: the
    same households, with the emergency provisions as a subquery too. With two
    subqueries in an OR, PostgreSQL cannot turn the union into a join: it hashes the
    union once and walks the ふりがな index until the page is full, where the join
    matched the union with every household of the city to sort them (a coordinator's
    first page: 116 ms of SQL at a city's scale). Only for reading pages in order: for
    one household, or a search's few, the join is the faster plan."""
    if not works_cases(user):
        return Household.objects.none()
    return Household.objects.filter(
        Q(pk__in=_household_ids_seen(user)) | Q(pk__in=emergency_households(user))
    )


def _household_ids_seen(user: User, *, within: QuerySet | None = None) -> QuerySet:
    """The ids of the households the user sees through a consultation, a case or an
    アウトリーチ: the index-driven ways in combined with UNION (one OR over the joins
    made PostgreSQL scan every household of the city)."""
    parts = [
        Consultation.objects.filter(branch).order_by()
        for branch in uncased_consultation_branches(user)
    ]
    parts.append(Case.objects.filter(pk__in=visible_case_ids(user)).order_by())
    # A household of concern its agency goes out to, before it has an open case.
    # (Only before any case: afterwards the case's bases decide.)
    parts.append(
        OutreachEngagement.objects.filter(agency_id=user.agency_id)
        .exclude(household__cases__isnull=False)
        .order_by()
    )
    if within is not None:
        parts = [part.filter(household_id__in=within) for part in parts]
    ids = [part.values("household_id") for part in parts]
    return ids[0].union(*ids[1:])


def in_member_order(people: QuerySet[Person]) -> QuerySet[Person]:
    """本人 first, then by relation as the forms list them (配偶者, 子, 父母 …), then by
    when they were added — the order of a つなぐシート's 世帯構成 (also used to prefetch
    many households' members at once, for the meeting papers)."""
    rank = Case_(
        *[When(relation=value, then=Value(i)) for i, value in enumerate(Person.Relation.values)],
        default=Value(len(Person.Relation.values)),
        output_field=IntegerField(),
    )
    return people.annotate(relation_rank=rank).order_by("relation_rank", "created_at")


def case_consent_recorders(
    *, user: User, case: Case, needs_of: HouseholdNeedsOnce | None = None
) -> set:
    """The subjects of ``case`` whose consent ``user`` may record (the case page's
    「同意を記録」), asked for all of them at once."""
    subjects = case.subjects.select_related("household")
    return persons_consent_needs_met(user, subjects, needs_of=needs_of)


def members_in_order(*, household: Household) -> QuerySet[Person]:
    return in_member_order(household.members.all())


EVENT_KIND_LABELS = dict(CaseEvent.Kind.choices)


@dataclass
class TimelineLine:
    """One line of the case timeline; access grants made by one action are folded."""

    event: CaseEvent
    folded: list[CaseEvent] = field(default_factory=list)

    @property
    def kind(self):
        return self.event.kind

    @property
    def parameters(self):
        return self.event.parameters

    def get_kind_display(self) -> str:
        # A dict, not the model's get_kind_display: that flattens every choice of the
        # (long) Kind list on each call, a hundred times a page.
        return EVENT_KIND_LABELS.get(self.event.kind, self.event.kind)

    @property
    def created_at(self):
        return self.event.created_at

    @property
    def actor(self):
        return self.event.actor

    @property
    def message(self) -> str:
        if not self.folded:
            return self.event.message
        return (
            f"{len(self.folded) + 1}件の閲覧権限を付与しました（"
            + "／".join(
                e.message.removesuffix("を付与しました。") for e in [self.event, *self.folded]
            )
            + "）。"
        )


# The case page shows the newest lines of the timeline; the whole of it is paged on
# its own page (タイムライン), newest first.
CASE_PAGE_TIMELINE = 20
TIMELINE_ORDER = Keyset((KeyField("created_at", aware_datetime), KeyField("id", int)), True)


def case_timeline(
    *, case: Case, limit: int = CASE_PAGE_TIMELINE
) -> tuple[list[TimelineLine], bool]:
    """The newest ``limit`` events of the timeline, folded (``fold_timeline``), and
    whether older ones follow."""
    events = list(case.events.select_related("actor__agency")[: limit + 1])
    return fold_timeline(events[:limit]), len(events) > limit


def timeline_for_keys(*, case: Case, keys: list[tuple]) -> list[TimelineLine]:
    """A page of the タイムライン, in the page's order (one query), folded."""
    ids = [key[-1] for key in keys]
    rows = case.events.select_related("actor__agency").in_bulk(ids)
    return fold_timeline([rows[pk] for pk in ids if pk in rows])


def fold_timeline(events) -> list[TimelineLine]:
    """Newest first, with the access grants one action made (opening a case grants
    several) folded into one line."""
    lines: list[TimelineLine] = []
    for event in events:
        last = lines[-1] if lines else None
        if (
            last is not None
            and event.kind == CaseEvent.Kind.ACCESS_GRANTED
            and last.kind == CaseEvent.Kind.ACCESS_GRANTED
            and event.actor_id == last.event.actor_id
            and abs((last.created_at - event.created_at).total_seconds()) < 5
        ):
            last.folded.append(event)
            continue
        lines.append(TimelineLine(event=event))
    return lines


def households_count_for_page(*, households) -> None:
    """Set ``member_count`` and ``open_case_count`` on a page of households (two
    grouped queries over the page's ids, whatever the size of the city)."""
    households = list(households)
    ids = [h.pk for h in households]
    members = dict(
        Person.objects.filter(household_id__in=ids)
        .values("household_id")
        .annotate(n=Count("pk"))
        .values_list("household_id", "n")
    )
    open_cases = dict(
        Case.objects.filter(household_id__in=ids, status__in=Case.OPEN_STATUSES)
        .values("household_id")
        .annotate(n=Count("pk"))
        .values_list("household_id", "n")
    )
    for household in households:
        household.member_count = members.get(household.pk, 0)
        household.open_case_count = open_cases.get(household.pk, 0)


def household_get_for_user(*, user: User, pk, need: Need = Need.VIEW) -> Household:
    """The household, or 404 when the user may not see it, 403 when they see it but
    may not do ``need`` to it."""
    try:
        household = households_visible_to(user).get(pk=pk)
    except (Household.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if need != Need.VIEW and need not in household_needs(user, household):
        raise PermissionDenied
    return household


def household_needs_for_user(*, user: User, household: Household) -> frozenset[Need]:
    return household_needs(user, household)


def person_get_for_user(*, user: User, household: Household, pk) -> Person:
    """A member, reached through a household the user already passed the check for."""
    try:
        return household.members.get(pk=pk)
    except (Person.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def consultation_get_for_user(*, user: User, pk) -> Consultation:
    try:
        return (
            consultations_visible_to(user)
            .select_related(
                "household", "person", "receiving_agency", "received_by", "main_issue", "case"
            )
            .get(pk=pk)
        )
    except (Consultation.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def household_search(*, user: User, query: str) -> QuerySet[Household]:
    """Households whose member's name or ふりがな matches, ignoring 全角/半角 and
    ひらがな/カタカナ; only households the user may see."""
    matching = people_matching_q(query)
    if matching is None:
        return Household.objects.none()
    found = Person.objects.filter(matching).values("household_id")
    return households_visible_to(user, within=found).filter(pk__in=found).order_by("kana_key", "pk")


@dataclass
class DuplicateMatch:
    """A likely duplicate of a person being entered. ``person`` is None when the
    match lies in a household the user may not see: they learn only that it exists."""

    person: Person | None
    reasons: list[str] = field(default_factory=list)
    # For the access log only (who learned that a record exists), never for the page.
    hidden_person_id: Any = None

    @property
    def hidden(self) -> bool:
        return self.person is None


def person_duplicates(
    *,
    user: User,
    family_name: str,
    given_name: str,
    family_name_kana: str,
    given_name_kana: str,
    birth_date,
    phone: str = "",
    address: str = "",
    exclude_household: Household | None = None,
) -> list[DuplicateMatch]:
    kana = normalize_kana(family_name_kana + given_name_kana)
    name = normalize_text(family_name + given_name)
    phone_key = normalize_phone(phone)
    address_key = normalize_address(address)

    conditions = Q()
    if birth_date:
        conditions |= Q(birth_date=birth_date) & (Q(kana_key=kana) | Q(name_key=name))
    if len(phone_key) >= 6:
        conditions |= Q(phone_key=phone_key) | Q(household__phone_key=phone_key)
    if address_key:
        conditions |= Q(address_key=address_key) | Q(household__address_key=address_key)
    if not conditions:
        return []
    candidates = Person.objects.filter(conditions).select_related("household")
    if exclude_household is not None:
        candidates = candidates.exclude(household=exclude_household)
    visible_households = set(
        households_visible_to(user)
        .filter(pk__in=[c.household_id for c in candidates])
        .values_list("pk", flat=True)
    )
    # A household under a DV等支援措置: a match by its address or phone says nothing
    # (not even that it exists) to whoever may not see its contacts.
    protected = protected_household_ids({c.household_id for c in candidates})
    seers = {
        c.household_id
        for c in candidates
        if c.household_id in protected and sees_protected_contacts(user, c.household)
    }
    matches: list[DuplicateMatch] = []
    hidden_seen = False
    for candidate in candidates[:20]:
        reasons = []
        if birth_date and candidate.birth_date == birth_date:
            reasons.append("生年月日とふりがな（または氏名）が同じ")
        masked = candidate.household_id in protected and candidate.household_id not in seers
        if not masked:
            if phone_key and phone_key in (candidate.phone_key, candidate.household.phone_key):
                reasons.append("電話番号が同じ")
            if address_key and address_key in (
                candidate.address_key,
                candidate.household.address_key,
            ):
                reasons.append("住所が同じ")
        if not reasons:
            continue
        if candidate.household_id in visible_households:
            matches.append(DuplicateMatch(person=candidate, reasons=reasons))
        elif not hidden_seen:
            # One anonymous notice is enough, and says nothing about how it matched.
            hidden_seen = True
            matches.append(DuplicateMatch(person=None, hidden_person_id=candidate.pk))
    return matches


def dv_measures_for_user(*, user: User, household: Household):
    """The measures on the household's members: for the managing coordinators only
    (the others see the mask and a notice, not the measure)."""
    if not sees_protected_contacts(user, household):
        return DvSupportMeasure.objects.none()
    return DvSupportMeasure.objects.filter(person__household=household).select_related(
        "person", "set_by", "ended_by"
    )


def dv_measure_get_for_user(*, user: User, household: Household, pk) -> DvSupportMeasure:
    try:
        return dv_measures_for_user(user=user, household=household).get(pk=pk)
    except (DvSupportMeasure.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def case_access_get_for_user(*, user: User, case: Case, pk) -> CaseAccess:
    """An access row, reached through a case the user already passed the check for."""
    try:
        return case.accesses.select_related("agency", "user").get(pk=pk)
    except (CaseAccess.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def emergency_request_get_for_user(*, user: User, pk) -> EmergencyAccessRequest:
    """Any coordinator may confirm or end a provision (a second coordinator of any
    hub); nobody else reaches one."""
    if not user.is_authenticated or not user.has_role(Role.COORDINATOR):
        raise Http404
    try:
        return EmergencyAccessRequest.objects.select_related("agency", "case").get(pk=pk)
    except (EmergencyAccessRequest.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def emergency_requests_for_coordinators(*, user: User):
    """(waiting for a second coordinator, confirmed and in effect), city-wide."""
    if not user.has_role(Role.COORDINATOR):
        return [], []
    now = timezone.now()
    live = (
        EmergencyAccessRequest.objects.filter(ended_at__isnull=True, valid_until__gt=now)
        .select_related("agency", "case", "household", "requested_by", "approved_by")
        .order_by("valid_until")
    )
    return list(live.filter(approved_at__isnull=True)), list(live.filter(approved_at__isnull=False))


# Bookkeeping fields that mean nothing to a reader of the history.
HISTORY_HIDDEN_FIELDS = frozenset(
    {
        "id",
        "version",
        "created_at",
        "updated_at",
        "kana_key",
        "name_key",
        "phone_key",
        "address_key",
        "display_name",
        "fiscal_year",
        "sequence",
        "issues",
        "subjects",
    }
)


@dataclass
class HistoryEntry:
    at: object
    user: object
    subject: str
    kind: str
    reason: str
    changes: list[tuple[str, str, str]]


def _history_value(model, name: str, value) -> str:
    import datetime as dt

    from core.japanese import format_wareki

    field = model._meta.get_field(name)
    if value in (None, ""):
        return "（空欄）"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        local = timezone.localtime(value)
        return f"{format_wareki(local.date())} {local:%H:%M}"
    if isinstance(value, dt.date):
        return format_wareki(value)
    return str(value)


def _entries_for(records, *, model, subject, masked=lambda record: ()) -> list[HistoryEntry]:
    """Field diffs of history records; the fields ``masked(record)`` names show the mask
    of cases.masking instead of their values (DV等支援措置, 通報者)."""
    entries: list[HistoryEntry] = []
    previous: dict = {}
    # Every foreign key a line may name (閲覧権限（機関）, a changed 主担当機関 …) comes with
    # its record: one query per source, not one per record and key.
    related = [
        f.name
        for f in records.model._meta.concrete_fields
        if f.many_to_one and f.name != "history_user"
    ]
    records = records.order_by("history_date", "history_id").select_related(
        "history_user", *related
    )
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        changes: list[tuple[str, str, str]] = []
        if record.history_type == "+" or before is None:
            kind = "作成"
        elif record.history_type == "-":
            kind = "削除"
        else:
            kind = "変更"
            delta = record.diff_against(
                before, excluded_fields=HISTORY_HIDDEN_FIELDS, foreign_keys_are_objs=True
            )
            hidden = masked(record)
            for change in delta.changes:
                label = str(model._meta.get_field(change.field).verbose_name)
                if change.field in hidden:
                    changes.append((label, MASK_TEXT, MASK_TEXT))
                    continue
                changes.append(
                    (
                        label,
                        _history_value(model, change.field, change.old),
                        _history_value(model, change.field, change.new),
                    )
                )
            if not changes:
                continue
        entries.append(
            HistoryEntry(
                at=record.history_date,
                user=record.history_user,
                subject=subject(record),
                kind=kind,
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def case_history_entries(*, case: Case, user: User) -> list[HistoryEntry]:
    """The 変更履歴 of a case: the case, its household and members, its consultations
    and its access grants, newest first, as field-level diffs — masked for ``user``
    where a DV等支援措置 or a 虐待 consultation's 通報者 asks it."""
    household = case.household
    contacts_masked = masking_for(user=user, households=[household]).household_masked(household.pk)
    consulter_hidden = {c.pk for c in case.consultations.all() if not sees_consulter(user, c)}
    sources = [
        (Case.history.filter(id=case.pk), Case, lambda r: f"ケース {case.number}", ()),
        (
            Household.history.filter(id=household.pk),
            Household,
            lambda r: "世帯",
            HOUSEHOLD_CONTACT_FIELDS if contacts_masked else (),
        ),
        (
            Person.history.filter(household_id=household.pk),
            Person,
            lambda r: f"世帯員 {r.family_name} {r.given_name}".strip(),
            PERSON_CONTACT_FIELDS if contacts_masked else (),
        ),
        (
            Consultation.history.filter(case_id=case.pk),
            Consultation,
            lambda r: f"相談受付（{format_wareki(r.received_at)}）",
            CONSULTER_FIELDS,
        ),
        (
            CaseAccess.history.filter(case_id=case.pk),
            CaseAccess,
            lambda r: f"閲覧権限（{r.agency or r.user}）",
            (),
        ),
    ]
    entries: list[HistoryEntry] = []
    for records, model, subject, hidden in sources:
        if model is Consultation:

            def masked(record, hidden=hidden):
                return hidden if record.id in consulter_hidden else ()

        else:

            def masked(record, hidden=hidden):
                return hidden

        entries.extend(_entries_for(records, model=model, subject=subject, masked=masked))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def people_matching_q(query: str) -> Q | None:
    """A member's name or ふりがな, ignoring 全角/半角 and ひらがな/カタカナ; None for an
    empty query."""
    # A NUL byte (typed or sent) is no character of a name; PostgreSQL refuses it.
    query = query.replace("\x00", "")
    text_key, kana_key = normalize_text(query), normalize_kana(query)
    if not text_key:
        return None
    return Q(kana_key__contains=kana_key) | Q(name_key__contains=text_key)


def case_list_for_user(
    *, user: User, query: str = "", mine: bool = False, walked: bool = False
) -> QuerySet[Case]:
    """The ケース一覧's cases: a member's name or ふりがな, 自分の担当; ``walked`` for
    reading a page in order (``cases_visible_to``)."""
    cases = cases_visible_to(user, walked=walked)
    if mine:
        cases = cases.filter(lead_coordinator=user)
    matching = people_matching_q(query)
    if matching is not None:
        cases = cases.filter(
            household_id__in=Person.objects.filter(matching).values("household_id")
        )
    return cases


def case_status_counts(*, cases: QuerySet[Case]) -> dict[str, int]:
    """status → count for the list's tabs, in one query."""
    return dict(
        cases.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )


def monitoring_due(*, user: User, query: str = "") -> QuerySet[SupportPlan]:
    """Approved plans whose monitoring date has come, on open cases the user leads."""
    plans = SupportPlan.objects.filter(
        status=SupportPlan.Status.APPROVED,
        monitoring_on__lte=timezone.localdate(),
        case__status__in=Case.ACTIVE_STATUSES,
        case__lead_coordinator=user,
        case_id__in=cases_visible_to(user).values("pk"),
    )
    matching = people_matching_q(query)
    if matching is not None:
        plans = plans.filter(
            case__household_id__in=Person.objects.filter(matching).values("household_id")
        )
    return plans.select_related("case__household").order_by("monitoring_on", "pk")


def case_worker_home(*, user: User) -> dict:
    """The home of a coordinator or agency staff: their open cases, recent
    consultations, and for coordinators what waits for them."""
    cases = cases_visible_to(user).filter(status__in=Case.OPEN_STATUSES)
    if user.has_role(Role.COORDINATOR):
        cases = cases.filter(lead_coordinator=user)
    recent, _more = keyset_read(consultation_sources(user=user), CONSULTATION_ORDER, per=10)
    context = {
        "open_cases": cases.select_related("household", "main_agency")[:20],
        "recent_consultations": consultations_for_keys(recent),
    }
    context["agency_tasks"] = tasks_for_agency(user=user)[:10]
    if user.has_role(Role.COORDINATOR):
        context["monitoring_due"] = monitoring_due(user=user)[:10]
        pending, _active = emergency_requests_for_coordinators(user=user)
        context["pending_emergencies"] = len(pending)
        # Oldest first: the longest waiting. Asked of each uncased way in (an OR of
        # them filtered every uncased consultation of the city).
        # Few rows, found by the uncased-outcome index: gathered and sorted, not met by
        # walking ten years of consultations from the oldest.
        waiting = [
            Gathered(source.filter(outcome=COLLABORATION))
            for source in source_querysets(consultation_sources(user=user, uncased_only=True))
        ]
        oldest, _more = keyset_read(waiting, CONSULTATION_WAITING_ORDER, per=20)
        context["waiting_consultations"] = consultations_for_keys(oldest)
    return context


# ---------------------------------------------------------------------------
# 支援経過記録 and the case's life after its opening


def support_records_for_user(
    *, user: User, case: Case, needs: frozenset[Need], include_cancelled: bool = True
) -> QuerySet[SupportRecord]:
    """The case's records this user may read: 閲覧制限 ones only for the managing
    coordinators and the author's agency (``sees_restricted_record``)."""
    records = case.records.select_related("agency", "author", "cancelled_by")
    if Need.MANAGE not in needs:
        records = records.filter(Q(restricted=False) | Q(agency_id=user.agency_id))
    if not include_cancelled:
        records = records.filter(cancelled_at__isnull=True)
    return records.order_by("-occurred_on", "-created_at")


def printable_records(records: QuerySet[SupportRecord]) -> QuerySet[SupportRecord]:
    """閲覧制限 and cancelled records are never printed — paper leaves the system's
    access rules behind. The one rule for every print: the 経過一覧 and the meeting
    papers (which apply it to many cases' records at once)."""
    return records.filter(restricted=False, cancelled_at__isnull=True)


def support_records_for_print(*, user: User, case: Case, needs: frozenset[Need]):
    """The 経過一覧 on paper, oldest first (``printable_records``)."""
    return printable_records(
        support_records_for_user(user=user, case=case, needs=needs, include_cancelled=False)
    ).order_by("occurred_on", "created_at")


def support_record_get_for_user(*, user: User, case: Case, pk) -> SupportRecord:
    """A record of this case the user may read, or 404 — a record of another case, or
    one behind 閲覧制限, answers as if it did not exist."""
    needs = case_needs(user, case)
    record = support_records_for_user(user=user, case=case, needs=needs).filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def support_record_history(*, record: SupportRecord) -> list:
    """Every saved version of the record, newest first, with who and why."""
    return list(record.history.select_related("history_user").order_by("-history_date"))


def case_standing_closure(*, case: Case) -> CaseClosure | None:
    return (
        case.closures.filter(reopened_at__isnull=True)
        .select_related("handover_agency", "closed_by")
        .first()
    )


def case_open_suspension(*, case: Case) -> CaseSuspension | None:
    return case.suspensions.filter(resumed_at__isnull=True).select_related("suspended_by").first()


# ---------------------------------------------------------------------------
# 支援プラン, 役割分担 and the assessment (read by everyone who sees the case)


def working_agencies(*, case: Case) -> QuerySet[Agency]:
    """The agencies holding a basis in effect on the case that lets them work: the only
    ones a plan's task may go to."""
    ids = case.accesses.filter(
        active_q(timezone.now()), basis__in=WORKING_BASES, agency__isnull=False
    ).values("agency_id")
    return Agency.objects.filter(pk__in=ids)


def plan_get_for_user(*, case: Case, pk) -> SupportPlan:
    """A plan of this case (the caller has checked the case), or 404."""
    plan = case.plans.select_related("approved_by", "created_by").filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


def plan_task_get(*, plan: SupportPlan, pk) -> PlanTask:
    task = plan.tasks.filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


def plan_stakeholder_get(*, plan: SupportPlan, pk) -> PlanStakeholder:
    stakeholder = plan.stakeholders.filter(pk=pk).first()
    if stakeholder is None:
        raise Http404
    return stakeholder


def current_plan(*, case: Case) -> SupportPlan | None:
    """The plan in force (承認) or, before one is approved, the one being drafted.

    Chosen from ``case.plans.all()`` so that a caller that prefetched the plans of many
    cases (the meeting papers) reads nothing again; a case has a few versions at most."""
    plans = sorted(case.plans.all(), key=lambda plan: plan.number, reverse=True)
    in_progress = (SupportPlan.Status.DRAFT, SupportPlan.Status.DISCUSSED)
    return next(
        (plan for plan in plans if plan.status == SupportPlan.Status.APPROVED),
        next((plan for plan in plans if plan.status in in_progress), None),
    )


def tasks_for_agency(*, user: User, query: str = "") -> QuerySet[PlanTask]:
    """Open tasks of approved plans assigned to the user's agency, on cases the user
    reaches with a basis that lets them work."""
    working = access_rows_for(user).filter(basis__in=WORKING_BASES)
    tasks = (
        PlanTask.objects.filter(
            agency_id=user.agency_id,
            status=PlanTask.Status.OPEN,
            plan__status=SupportPlan.Status.APPROVED,
            plan__case_id__in=working.values("case_id"),
        )
        .select_related("plan__case__household", "agency")
        .order_by(F("due_on").asc(nulls_last=True), "pk")
    )
    matching = people_matching_q(query)
    if matching is not None:
        tasks = tasks.filter(
            plan__case__household_id__in=Person.objects.filter(matching).values("household_id")
        )
    return tasks


def assessment_for_case(*, case: Case) -> Assessment | None:
    return Assessment.objects.filter(case=case).select_related("assessed_by").first()


def assessment_rows(*, assessment: Assessment) -> list[AssessmentMember]:
    """The member rows, 本人 first, with their issues."""
    rank = Case_(
        When(person__relation=Person.Relation.SELF, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return list(
        assessment.members.filter(person__merged_into__isnull=True)
        .select_related("person")
        .prefetch_related("issues")
        .annotate(relation_rank=rank)
        .order_by("relation_rank", "person__created_at")
    )


@dataclass(frozen=True)
class StakeholderCount:
    """成果指標 「支援のために連携した関係者の数」 for one 年度."""

    fiscal_year: int
    count: int
    by_kind: dict[str, int]
    how: str = (
        "その年度に承認された支援プランが挙げた関係者を、1年度に1回だけ数えます。登録済みの"
        "機関は機関ごとに、それ以外は種別と名称（全角・半角、空白の違いを無視）ごとに1件です。"
    )


def stakeholder_count(*, fiscal_year: int) -> StakeholderCount:
    """Aggregate only (no names): for the managers' figures."""
    start, end = fiscal_year_bounds(fiscal_year)
    rows = (
        PlanStakeholder.objects.filter(plan__approved_at__gte=start, plan__approved_at__lt=end)
        # Ordered by the key itself: the model's ordering (plan → case → number) would
        # join the case and widen the DISTINCT to every stakeholder row. A key named
        # under two kinds counts under the first of them, the same on every run.
        .order_by("dedup_key", "kind")
        .values_list("dedup_key", "kind")
        .distinct()
    )
    seen: dict[str, str] = {}
    for key, kind in rows:
        seen.setdefault(key, kind)
    by_kind: dict[str, int] = {}
    for kind in seen.values():
        by_kind[kind] = by_kind.get(kind, 0) + 1
    return StakeholderCount(fiscal_year=fiscal_year, count=len(seen), by_kind=by_kind)


def merge_candidates(*, user: User, household: Household, query: str = "") -> QuerySet[Household]:
    """Other records the user manages that may be the same household: found by a
    member's name or ふりがな, never this household, never one already merged."""
    matching = people_matching_q(query)
    if matching is None:
        return Household.objects.none()
    return (
        households_visible_to(user)
        .filter(
            merged_into__isnull=True,
            pk__in=Person.objects.filter(matching).values("household_id"),
        )
        .exclude(pk=household.pk)
        .prefetch_related("members")
        .order_by("kana_key")
    )


# ---------------------------------------------------------------------------
# アウトリーチ等を通じた継続的支援


def outreach_visible_to(user: User) -> QuerySet[OutreachEngagement]:
    return OutreachEngagement.objects.filter(outreach_visible_q(user))


def outreach_get_for_user(*, user: User, pk, need: Need = Need.VIEW) -> OutreachEngagement:
    """The engagement, or 404 when the user may not see it (same as nonexistent), 403
    when they see it but may not do ``need``."""
    try:
        engagement = (
            OutreachEngagement.objects.select_related(
                "household", "agency", "started_by", "consultation__case"
            )
            .filter(outreach_visible_q(user))
            .get(pk=pk)
        )
    except (OutreachEngagement.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if need != Need.VIEW and need not in outreach_needs(user, engagement):
        raise PermissionDenied
    return engagement


def outreach_list_for_user(
    *, user: User, query: str = "", status: str = OutreachEngagement.Status.ACTIVE
) -> QuerySet[OutreachEngagement]:
    """The engagements the user sees, 五十音順 by household, each with its number of
    contacts and the last contact date (one query per page whatever the log's size).
    ``query`` matches a member's name or ふりがな (全角/半角, ひらがな/カタカナ ignored)."""
    rows = outreach_visible_to(user)
    if status in OutreachEngagement.Status.values:
        rows = rows.filter(status=status)
    if query:
        text_key, kana_key = normalize_text(query), normalize_kana(query)
        people = Person.objects.filter(
            Q(kana_key__contains=kana_key) | Q(name_key__contains=text_key)
        )
        rows = rows.filter(household_id__in=people.values("household_id"))
    return (
        rows.select_related("household", "agency")
        .annotate(contact_count=Count("contacts"), last_contact_on=Max("contacts__contacted_on"))
        .order_by("household__kana_key", "-started_on", "pk")
    )


def outreach_contacts(*, engagement: OutreachEngagement) -> QuerySet[OutreachContact]:
    return engagement.contacts.select_related("recorded_by", "agency")


def outreach_for_household(*, user: User, household: Household) -> QuerySet[OutreachEngagement]:
    return outreach_visible_to(user).filter(household=household).select_related("agency")


def outreach_case(*, engagement: OutreachEngagement) -> Case | None:
    """The household's open case (or the case its consultation became), if any."""
    if engagement.consultation_id and engagement.consultation.case_id:
        return engagement.consultation.case
    return (
        engagement.household.cases.filter(status__in=Case.OPEN_STATUSES)
        .order_by("opened_at")
        .first()
    )


@dataclass(frozen=True)
class OutreachCounts:
    fiscal_year: int
    engagements: int  # 伴走件数: engagements active at any time in the 年度
    contacts: int  # contacts made in the 年度
    how: str = (
        "伴走件数は、その年度（4月〜翌年3月）に一日でも伴走中だったアウトリーチの数です。"
        "接触回数は、その年度の日付の接触記録の数です。"
    )


def outreach_counts(*, fiscal_year: int) -> OutreachCounts:
    """Aggregate only (no names): for the managers' figures (伴走している支援件数)."""
    start, end = (moment.date() for moment in fiscal_year_bounds(fiscal_year))
    engagements = OutreachEngagement.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=start), started_on__lt=end
    ).count()
    contacts = OutreachContact.objects.filter(contacted_on__gte=start, contacted_on__lt=end).count()
    return OutreachCounts(fiscal_year=fiscal_year, engagements=engagements, contacts=contacts)


def outreach_needs_for_user(*, user: User, engagement: OutreachEngagement) -> frozenset[Need]:
    return outreach_needs(user, engagement)


# ---------------------------------------------------------------------------
# 参加支援 (read by everyone who sees the case)


def participations_for_case(*, case: Case) -> QuerySet[ParticipationSupport]:
    return case.participations.select_related("person", "resource", "agency").order_by(
        "-started_on", "-created_at"
    )


def participation_get(*, case: Case, pk) -> ParticipationSupport:
    """A 参加支援 of this case (the caller has checked the case), or 404."""
    participation = participations_for_case(case=case).filter(pk=pk).first()
    if participation is None:
        raise Http404
    return participation


@dataclass(frozen=True)
class ParticipationCounts:
    """評価指標 「参加支援 支援対象者数・協力事業者数」 for one 年度."""

    fiscal_year: int
    persons: int  # 参加支援 支援対象者数
    cooperating_businesses: int  # 協力事業者数
    how: str = (
        "その年度（4月〜翌3月）に開始日がある参加支援を数えます。対象者数は人ごとに1人、"
        "協力事業者数はつないだ先のうち種別が「協力事業者」の有効な社会資源を1件ずつ数えます。"
    )


def participation_counts(*, fiscal_year: int) -> ParticipationCounts:
    """Aggregate only (no names): for the managers' figures."""
    started = ParticipationSupport.objects.filter(
        started_on__gte=dt.date(fiscal_year, 4, 1), started_on__lt=dt.date(fiscal_year + 1, 4, 1)
    )
    counts = started.aggregate(
        persons=Count("person_id", distinct=True),
        businesses=Count(
            "resource_id",
            distinct=True,
            filter=Q(
                resource__kind=CommunityResource.Kind.COOPERATING_BUSINESS,
                resource__is_active=True,
            ),
        ),
    )
    return ParticipationCounts(
        fiscal_year=fiscal_year,
        persons=counts["persons"],
        cooperating_businesses=counts["businesses"],
    )
