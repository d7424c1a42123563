"""The one masking function (DESIGN.md): DV等支援措置 and who reported abuse.

While any member of a household is under a DV等支援措置 in effect, the household's
address, 〒 and phones and its members' addresses and phones are shown only to the
managing coordinators — on every page, list, search result, 名寄せ reason, history diff
and timeline line, and never printed. The 通報者 / 相談者 of a 虐待 consultation is seen
only by the window that took it and the managing coordinators. Every later output
(packets, exports) asks these functions too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from agencies.models import User
from agencies.roles import Role

from .models import CaseEvent, Consultation, DvSupportMeasure, Household, IssueCategory, Person
from .permissions import Need, household_needs

MASK_TEXT = "（非表示：DV等支援措置）"
CONSULTER_MASK_TEXT = "（通報者・相談者の情報は表示されません）"

HOUSEHOLD_CONTACT_FIELDS = ("postal_code", "address", "phone")
PERSON_CONTACT_FIELDS = ("address", "phone", "email")
CONSULTER_FIELDS = ("consulter_name", "consulter_relation", "consulter_phone")


def measures_in_effect(on=None):
    day = on or timezone.localdate()
    return DvSupportMeasure.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        ended_at__isnull=True,
        valid_from__lte=day,
    )


def protected_household_ids(household_ids: Iterable) -> set:
    """The households among these with a member under a measure in effect."""
    ids = list(household_ids)
    if not ids:
        return set()
    return set(
        measures_in_effect()
        .filter(person__household_id__in=ids)
        .values_list("person__household_id", flat=True)
    )


def sees_protected_contacts(user: User, household: Household) -> bool:
    """Only the managing coordinators see what a measure hides."""
    return user.has_role(Role.COORDINATOR) and Need.MANAGE in household_needs(user, household)


@dataclass
class Masking:
    """For one user and the households a page shows: which are masked for them."""

    masked: set = field(default_factory=set)

    def household_masked(self, household_id) -> bool:
        return household_id in self.masked

    def value(self, obj, name: str) -> str:
        """``obj.name`` or the mask: a Household's contacts, or a Person's."""
        household_id = obj.pk if isinstance(obj, Household) else obj.household_id
        fields = HOUSEHOLD_CONTACT_FIELDS if isinstance(obj, Household) else PERSON_CONTACT_FIELDS
        if name in fields and household_id in self.masked:
            return MASK_TEXT
        return getattr(obj, name)

    def event_message(self, event, household_id) -> str:
        """A timeline line that names a change of contact details says only that
        something changed, for a masked household."""
        if (
            household_id in self.masked
            and event.kind == CaseEvent.Kind.MEMBER_UPDATED
            and set(event.parameters.get("fields", [])) & _contact_labels()
        ):
            return "世帯員の情報を変更しました（DV等支援措置のため内容は表示されません）。"
        return event.message


def _contact_labels() -> set[str]:
    return {str(Person._meta.get_field(name).verbose_name) for name in PERSON_CONTACT_FIELDS} | {
        str(Household._meta.get_field(name).verbose_name) for name in HOUSEHOLD_CONTACT_FIELDS
    }


def masking_for_print(*, households: Iterable[Household]) -> Masking:
    """For paper (meeting papers and packets): what a measure hides is masked whoever
    prints — the managing coordinators' exception is for the screen only, since paper
    leaves the system's access rules behind."""
    return Masking(masked=protected_household_ids(h.pk for h in households))


def masking_for(*, user: User, households: Iterable[Household]) -> Masking:
    households = list(households)
    protected = protected_household_ids(h.pk for h in households)
    masked = {
        h.pk for h in households if h.pk in protected and not sees_protected_contacts(user, h)
    }
    return Masking(masked=masked)


# ---------------------------------------------------------------------------
# 通報者・相談者 of a 虐待 consultation


def is_abuse_consultation(consultation: Consultation) -> bool:
    # ``issues.all()``: a caller that prefetched many consultations' issues (the meeting
    # papers) reads nothing again.
    abuse = IssueCategory.ReportGroup.ABUSE
    if consultation.main_issue.report_group == abuse:
        return True
    return any(issue.report_group == abuse for issue in consultation.issues.all())


def consulter_printable(consultation: Consultation) -> bool:
    """Who reported abuse is never in packets, つなぐシート or exports, whoever prints
    (児童虐待防止法7条): on paper no reader is the window that took it."""
    return not is_abuse_consultation(consultation)


def sees_consulter(user: User, consultation: Consultation) -> bool:
    """Who reported abuse is seen by the window that took it and the managing
    coordinators only (児童虐待防止法7条, 高齢者・障害者虐待防止法)."""
    if not is_abuse_consultation(consultation):
        return True
    if user.agency_id == consultation.receiving_agency_id:
        return True
    return user.has_role(Role.COORDINATOR) and (
        Need.MANAGE in household_needs(user, consultation.household)
    )
