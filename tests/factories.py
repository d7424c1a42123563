"""factory-boy factories. Case content is created through the services, as in
production, so history rows and timeline events exist in tests too."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from agencies.models import Agency, User
from agencies.roles import Role
from cases import services
from cases.models import Consultation, IssueCategory, Person
from cases.services import support

TEST_PASSWORD = "correct-horse-battery-staple"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"テスト機関{n}")
    kind = Agency.Kind.COMPREHENSIVE_WINDOW


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "試験"
    first_name = factory.Sequence(lambda n: f"太郎{n}")
    agency = factory.SubFactory(AgencyFactory)

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*[Group.objects.get(name=role) for role in extracted])


def user_with_role(role: Role, *, agency: Agency, **kwargs) -> User:
    return UserFactory(agency=agency, roles=[role], **kwargs)


def issue(name: str = "8050") -> IssueCategory:
    return IssueCategory.objects.get(name=name)


def member_data(**overrides) -> dict:
    data = {
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "やまだ",
        "given_name_kana": "たろう",
        "birth_date": dt.date(1970, 5, 5),
        "sex": Person.Sex.MALE,
        "relation": Person.Relation.SELF,
        "phone": "",
        "address": "",
    }
    data.update(overrides)
    return data


def consultation_data(**overrides) -> dict:
    data = {
        "received_at": timezone.now() - dt.timedelta(hours=1),
        "channel": Consultation.Channel.PHONE,
        "consulter": Consultation.Consulter.SELF,
        "consulter_name": "",
        "consulter_relation": "",
        "consulter_phone": "",
        "summary": "母の介護と息子のひきこもりについて相談したい。",
        "wishes": "",
        "consent_state": Consultation.ConsentState.UNCONFIRMED,
        "consent_explained_on": None,
        "consent_explained_by": "",
        "consent_note": "",
        "outcome": Consultation.Outcome.COLLABORATION,
        "outcome_note": "",
    }
    data.update(overrides)
    return data


def make_consultation(
    *, actor: User, members: list[dict] | None = None, household=None, **overrides
) -> Consultation:
    """A consultation recorded through the service, for a new household by default."""
    category = issue()
    if household is not None:
        return services.consultation_record(
            actor=actor,
            household=household,
            subject=household.members.order_by("created_at").first(),
            data=consultation_data(**overrides),
            issues=[category],
            main_issue=category,
        )
    return services.consultation_record(
        actor=actor,
        household=None,
        household_data={"address": "架空市若葉町1-2-3", "phone": "0561-00-0000"},
        new_members=members or [member_data()],
        subject_new_index=0,
        data=consultation_data(**overrides),
        issues=[category],
        main_issue=category,
    )


def verify_client(client, user) -> None:
    """Put a logged-in test client past the second factor, as a real TOTP login would."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="テスト", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def close_case(case, *, actor: User, **overrides):
    """終結 through the service (a coordinator who manages the case): resolved, improved."""
    data = {
        "reason": "resolved",
        "improvement": "improved",
        "evaluation": "就労につながり、家計が安定した。",
    }
    data.update(overrides)
    return support.case_close(actor=actor, case=case, **data)


def open_case(consultation: Consultation, *, actor: User, main_agency: Agency | None = None):
    """A case opened by ``actor`` (a coordinator) from ``consultation``, its person as subject."""
    return services.case_open(
        actor=actor,
        consultation=consultation,
        subjects=[consultation.person],
        main_agency=main_agency or consultation.receiving_agency,
        lead_coordinator=actor,
    )


def consent_data(**overrides) -> dict:
    data = {
        "purpose_sharing": True,
        "purpose_meeting": True,
        "purpose_plan": False,
        "method": "written",
        "witness": "",
        "obtained_on": timezone.localdate(),
        "valid_until": None,
        "given_by": "self",
        "proxy_name": "",
    }
    data.update(overrides)
    return data


def make_consent(*, actor: User, person: Person, agencies, document=None, **overrides):
    from consent.services import consent_record

    return consent_record(
        actor=actor,
        person=person,
        data=consent_data(**overrides),
        agencies=agencies,
        document=document,
    )


def date_post(name: str, day: dt.date | None, *, era: str = "西暦") -> dict[str, str]:
    """The four inputs of the date widget (元号, 年, 月, 日) as a browser posts them;
    ``None`` posts a blank date (the 元号 select keeps its default 令和)."""
    if day is None:
        return {f"{name}_0": "令和", f"{name}_1": "", f"{name}_2": "", f"{name}_3": ""}
    return {
        f"{name}_0": era,
        f"{name}_1": str(day.year),
        f"{name}_2": str(day.month),
        f"{name}_3": str(day.day),
    }


def once() -> dict[str, str]:
    """The one-time token of a create form, as the page hands it out."""
    return {"form_token": str(uuid.uuid4())}
