"""Who may send, see and answer a つなぐシート. The case and household needs come from
the one policy (cases.permissions); these rules only add the sheet's own parties."""

from __future__ import annotations

from django.db.models import Q

from agencies.models import Agency, User
from agencies.roles import Role
from cases.models import Case, Consultation
from cases.permissions import Need, case_needs, uncased_consultations_q, works_cases

from .models import Referral


def answering_roles(agency: Agency) -> frozenset[Role]:
    """Who answers for the addressed agency: at a 多機関協働 hub its coordinators, at any
    other agency its coordinators and agency staff."""
    if agency.is_collaboration_hub:
        return frozenset({Role.COORDINATOR})
    return frozenset({Role.COORDINATOR, Role.AGENCY_STAFF})


def may_send_from_consultation(user: User, consultation: Consultation) -> bool:
    """The window that took the consultation, or the coordinators who see it — while it
    is not a case (a case sends its own sheets)."""
    if not works_cases(user) or consultation.case_id is not None:
        return False
    return Consultation.objects.filter(uncased_consultations_q(user), pk=consultation.pk).exists()


def may_send_from_case(user: User, case: Case) -> bool:
    """Sending a sheet from a case is daily work on it."""
    return Need.WORK in case_needs(user, case)


def may_answer(user: User, referral: Referral) -> bool:
    """受理・辞退・対応完了: the addressed agency (for a hub, its coordinators)."""
    return (
        works_cases(user)
        and user.agency_id == referral.to_agency_id
        and user.has_role(*answering_roles(referral.to_agency))
    )


def may_withdraw(user: User, referral: Referral) -> bool:
    """取下げ: the sender's agency."""
    return works_cases(user) and user.agency_id == referral.from_agency_id


def referrals_visible_q(user: User) -> Q:
    """A sheet is seen by the agency that sent it and by those who answer for the
    agency it is addressed to — nobody else, whatever else they see of the household."""
    if not works_cases(user):
        return Q(pk__in=[])
    received = Q(to_agency_id=user.agency_id)
    if not user.has_role(Role.COORDINATOR):
        # Agency staff of a hub do not answer for it: they see only what they sent.
        received &= Q(to_agency__is_collaboration_hub=False)
    return Q(from_agency_id=user.agency_id) | received
