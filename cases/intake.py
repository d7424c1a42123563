"""The 相談受付 screen: several forms, a duplicate check, and one service call.

Kept out of views.py so the view stays thin; nothing here writes except through
``services.consultation_record``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse

from agencies.audit import Action, access_event_record
from agencies.submissions import require_unused, submit_once

from . import selectors, services
from .forms import NEW_SUBJECT, ConsultationForm, HouseholdForm, MemberFormSet, SubjectForm
from .linking import CONFIRM_FIELD, KEEP_EXISTING, KEEP_TYPED, LinkPlan, link_plan_build
from .models import Consultation, Household, OutreachEngagement, Person
from .services.outreach import outreach_link_consultation

LINK_PREFIX = "link:"
CONFIRM_NEW = "new"


@dataclass
class RowDuplicates:
    form: object
    matches: list[selectors.DuplicateMatch]

    @property
    def selected(self) -> str:
        return self.form.cleaned_data.get("resolution") or ""

    @property
    def options(self) -> list[tuple[str, selectors.DuplicateMatch]]:
        """(radio value, match); a hidden match offers no link, only the notice."""
        return [("" if m.hidden else f"{LINK_PREFIX}{m.person.pk}", m) for m in self.matches]


class IntakeFlow:
    def __init__(
        self,
        request: HttpRequest,
        *,
        household: Household | None,
        outreach: OutreachEngagement | None = None,
    ):
        self.request = request
        self.user = request.user
        self.household = household
        self.outreach = outreach
        data = request.POST if request.method == "POST" else None
        prefill = (
            {"summary": outreach.concern, "channel": Consultation.Channel.HOME_VISIT}
            if outreach is not None
            else None
        )
        self.consultation_form = ConsultationForm(data, prefix="c", initial=prefill)
        self.household_form = HouseholdForm(data, prefix="h") if household is None else None
        self.subject_form = (
            SubjectForm(data, prefix="s", household=household) if household is not None else None
        )
        initial = [{"relation": Person.Relation.SELF}] if household is None else []
        # 「世帯員の入力欄を追加」 shows the form again with one row more, saving nothing.
        # A row count that is not a number (a tampered form) or at the maximum is left
        # as it is: the formset reports it.
        self.adding = data is not None and "add_member" in data
        if self.adding:
            total = str(data.get("m-TOTAL_FORMS", "") or "0").strip()
            if total.isascii() and total.isdigit() and int(total) < MemberFormSet.max_num:
                data = data.copy()
                data["m-TOTAL_FORMS"] = str(int(total) + 1)
        self.members = MemberFormSet(data, prefix="m", initial=None if data else initial)
        self.duplicates: list[RowDuplicates] = []
        self.plan: LinkPlan | None = None
        self.errors: list[str] = []

    # -- helpers -------------------------------------------------------------

    def _forms(self):
        return [f for f in (self.consultation_form, self.household_form, self.subject_form) if f]

    def _rows(self):
        """The member rows the user filled in (valid ones only; call after is_valid)."""
        return [f for f in self.members.forms if f.cleaned_data]

    def _find_duplicates(self) -> bool:
        """Fill ``self.duplicates`` for rows the user has not answered yet."""
        address = ""
        if self.household_form is not None:
            address = self.household_form.cleaned_data.get("address", "")
        pending = False
        for form in self._rows():
            data = form.cleaned_data
            matches = selectors.person_duplicates(
                user=self.user,
                family_name=data["family_name"],
                given_name=data["given_name"],
                family_name_kana=data["family_name_kana"],
                given_name_kana=data["given_name_kana"],
                birth_date=data.get("birth_date"),
                phone=data.get("phone", ""),
                address=data.get("address") or address,
                exclude_household=self.household,
            )
            for match in matches:
                if match.hidden:
                    # The user learned that a record they may not see exists: logged.
                    access_event_record(
                        action=Action.EXISTENCE_NOTICE,
                        request=self.request,
                        object_type="cases.person",
                        object_id=str(match.hidden_person_id),
                        object_label="世帯員（名寄せの一致）",
                    )
            if matches:
                self.duplicates.append(RowDuplicates(form=form, matches=matches))
                if not data.get("resolution"):
                    pending = True
        return pending

    def _linked_person(self, form) -> Person | None:
        resolution = form.cleaned_data.get("resolution") or ""
        if not resolution.startswith(LINK_PREFIX):
            return None
        pk = resolution.removeprefix(LINK_PREFIX)
        visible = selectors.households_visible_to(self.user)
        person = Person.objects.filter(pk=pk, household__in=visible).first()
        if person is None:
            raise ValidationError("紐付け先の記録が見つかりません。もう一度選んでください。")
        return person

    # -- the steps -----------------------------------------------------------

    def submit(self) -> Consultation | None:
        if self.adding:
            return None
        valid = all(f.is_valid() for f in self._forms()) & self.members.is_valid()
        if not valid:
            return None
        token = self.consultation_form.cleaned_data["form_token"]
        require_unused(user=self.user, token=token)
        if self._find_duplicates():
            self.errors.append(
                "似た記録が見つかりました。下の「重複の確認」で、同じ人か別の人かを選んでから"
                "もう一度登録してください。"
            )
            return None
        try:
            self.plan = self._link_plan()
            if self.plan is not None and not self.plan.complete:
                self.errors.append(
                    "既存の記録に紐付けます。下の「紐付けの確認」で、どうなるかを確かめ、"
                    "異なる値はどちらを残すかを選んでから、もう一度登録してください。"
                )
                return None
            return submit_once(
                user=self.user,
                token=token,
                create=self._record,
                url_of=lambda consultation: reverse(
                    "cases:consultation_detail", args=[consultation.pk]
                ),
            )
        except PermissionDenied:
            # Adding members to a household whose open case the window does not manage
            # is the coordinators' decision; keep everything typed and say so.
            self.errors.append(
                "この世帯には支援中のケースがあるため、世帯員の追加はケースの調整役だけが"
                "行えます。既存の世帯員を本人として選んで受け付けるか、調整役に連絡して"
                "ください。"
            )
            return None
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    target = field if field in self.consultation_form.fields else None
                    self.consultation_form.add_error(target, errors)
            else:
                self.errors.extend(exc.messages)
            return None

    def _link_plan(self) -> LinkPlan | None:
        """For a new household's intake whose rows link to an existing record: what
        will happen, and which typed values differ from it."""
        if self.household_form is None:
            return None
        rows = [(form.cleaned_data, self._linked_person(form)) for form in self._rows()]
        targets = {person.household_id for _data, person in rows if person is not None}
        if not targets:
            return None
        if len(targets) > 1:
            raise ValidationError(
                "別々の世帯の記録に紐付けています。1つの世帯の記録だけに紐付けてください。"
            )
        household = next(person.household for _data, person in rows if person is not None)
        return link_plan_build(
            user=self.user,
            household=household,
            household_typed=self.household_form.cleaned_data,
            rows=[
                ({k: v for k, v in data.items() if k != "resolution"}, person)
                for data, person in rows
            ],
            answers=self.request.POST,
        )

    def _record(self) -> Consultation:
        household = self.household
        subject: Person | None = None
        new_members: list[dict] = []
        subject_index: int | None = None
        for form in self._rows():
            linked = self._linked_person(form)
            data = {k: v for k, v in form.cleaned_data.items() if k != "resolution"}
            if linked is not None:
                if household is not None and linked.household_id != household.pk:
                    raise ValidationError(
                        "紐付けた方は別の世帯の記録です。その世帯を検索して受付してください。"
                    )
                household = linked.household
                if data["relation"] == Person.Relation.SELF:
                    subject = linked
                continue
            if data["relation"] == Person.Relation.SELF:
                subject_index = len(new_members)
            new_members.append(data)
        if self.subject_form is not None:
            chosen = self.subject_form.cleaned_data["subject"]
            if chosen != NEW_SUBJECT:
                subject = selectors.person_get_for_user(
                    user=self.user, household=self.household, pk=chosen
                )
                subject_index = None
            elif subject_index is None and subject is None:
                raise ValidationError(
                    "「新しく登録する世帯員」を選んだ場合は、続柄「本人」の行を追加してください。"
                )
        elif subject is None and subject_index is None:
            raise ValidationError("世帯員のうち1人の続柄を「本人」にしてください。")
        if subject is not None:
            subject_index = None
        household_data = self.household_form.cleaned_data if household is None else None
        form = self.consultation_form
        data = form.service_data()
        plan = self.plan
        if plan is not None:
            data["summary"] += plan.summary_addendum()
        consultation = services.consultation_record(
            actor=self.user,
            household=household,
            household_data=household_data,
            new_members=new_members,
            subject=subject,
            subject_new_index=subject_index,
            data=data,
            issues=list(form.cleaned_data["issues"]),
            main_issue=form.cleaned_data["main_issue"],
            household_changes=plan.household_changes() if plan else None,
            member_changes=plan.member_changes() if plan else (),
        )
        if self.outreach is not None:
            # In the same transaction: the engagement is linked, or nothing is saved.
            outreach_link_consultation(
                actor=self.user, engagement=self.outreach, consultation=consultation
            )
        return consultation

    def error_items(self) -> list[tuple[str, str, str]]:
        """(anchor, label, message) for every field error on the page, for one summary
        at the top that links to each field — member rows included."""
        items: list[tuple[str, str, str]] = []
        forms = [*self._forms(), *(self.members.forms if self.members.is_bound else [])]
        for form in forms:
            if not form.is_bound:
                continue
            for name, errors in form.errors.items():
                if name == "__all__":
                    items.extend(("", "", str(message)) for message in errors)
                    continue
                bound = form[name]
                label = str(bound.label)
                if form.prefix and form.prefix.startswith("m-"):
                    number = int(form.prefix.removeprefix("m-")) + 1
                    label = f"世帯員{number}の{label}"
                items.extend((f"{bound.auto_id}_error", label, str(m)) for m in errors)
        return items

    def context(self) -> dict:
        return {
            "error_items": self.error_items(),
            "household": self.household,
            "consultation_form": self.consultation_form,
            "household_form": self.household_form,
            "subject_form": self.subject_form,
            "members": self.members,
            "duplicates": self.duplicates,
            "duplicate_prefixes": {d.form.prefix for d in self.duplicates},
            "flow_errors": self.errors,
            "link_prefix": LINK_PREFIX,
            "plan": self.plan,
            "keep_existing": KEEP_EXISTING,
            "keep_typed": KEEP_TYPED,
            "confirm_field": CONFIRM_FIELD,
            "confirm_new": CONFIRM_NEW,
            "given": Consultation.ConsentState.GIVEN,
            "outreach": self.outreach,
        }
