from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from agencies.models import Agency, User
from agencies.roles import Role
from agencies.submissions import SubmitOnceField
from core.japanese import end_of_day_tokyo, format_wareki

from ..fields import JapaneseDateField, combine_tokyo, years_from_today
from ..models import Case, Consultation, EmergencyAccessRequest, Household, IssueCategory, Person
from ..permissions import PERSON_WORK_FIELDS

KANA_RE = re.compile(r"^[\u3041-\u309f\u30a0-\u30ff\uff66-\uff9f\s\u3000ー・=＝]+$")

NEW_SUBJECT = "new"


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: at its field when it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class VersionField(forms.IntegerField):
    """The version the user started from; a save against a newer one is refused."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=1, **kwargs)


def _kana(value: str, label: str) -> str:
    if value and not KANA_RE.match(value):
        raise forms.ValidationError(f"{label}はひらがなまたはカタカナで入力してください。")
    return value.strip()


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(
        label="氏名またはふりがな",
        required=False,
        max_length=50,
        help_text="全角・半角、ひらがな・カタカナの違いは区別しません。",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["postal_code", "address", "phone", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        digits = re.sub(
            r"\D", "", value.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        )
        if value and len(digits) != 7:
            raise forms.ValidationError("郵便番号は7桁の数字で入力してください（例: 480-1196）。")
        return f"{digits[:3]}-{digits[3:]}" if digits else ""


class HouseholdEditForm(HouseholdForm):
    version = VersionField()

    class Meta(HouseholdForm.Meta):
        pass


class PersonForm(forms.ModelForm):
    birth_date = JapaneseDateField(
        label="生年月日",
        required=False,
        allow_future=False,
        help_text="わからない場合は年・月・日を空欄にしてください。",
    )

    class Meta:
        model = Person
        fields = [
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "birth_date",
            "estimated_age",
            "sex",
            "relation",
            "phone",
            "email",
            "address",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def clean_family_name_kana(self) -> str:
        return _kana(self.cleaned_data["family_name_kana"], "ふりがな（せい）")

    def clean(self):
        data = super().clean()
        if data.get("birth_date") and data.get("estimated_age") is not None:
            self.add_error(
                "estimated_age", "生年月日がわかるときは、おおよその年齢は空欄にしてください。"
            )
        return data

    def clean_given_name_kana(self) -> str:
        return _kana(self.cleaned_data["given_name_kana"], "ふりがな（めい）")


class MemberForm(PersonForm):
    """A row of new members at intake, with the user's answer to a duplicate warning."""

    resolution = forms.CharField(required=False, max_length=50, widget=forms.HiddenInput)

    class Meta(PersonForm.Meta):
        fields = [f for f in PersonForm.Meta.fields if f != "notes"]


class PersonEditForm(PersonForm):
    version = VersionField()


IDENTITY_HELP = "氏名・ふりがな・生年月日・性別・続柄は、ケースの調整役が変更します。"


class PersonContactEditForm(PersonEditForm):
    """For users who may *work* but not *manage* the household: contact details only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in set(self.Meta.fields) - PERSON_WORK_FIELDS:
            self.fields[name].disabled = True
            self.fields[name].help_text = IDENTITY_HELP


class BaseMemberFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        selves = [f for f in self.forms if f.cleaned_data.get("relation") == Person.Relation.SELF]
        if len(selves) > 1:
            raise forms.ValidationError("続柄「本人」の世帯員は1人だけにしてください。")


MemberFormSet = forms.formset_factory(
    MemberForm, formset=BaseMemberFormSet, extra=0, min_num=0, max_num=20, validate_max=True
)


class ConsultationForm(forms.ModelForm):
    form_token = SubmitOnceField()
    received_date = JapaneseDateField(
        label="受付日", allow_future=False, earliest=years_from_today(-10)
    )
    received_time = forms.TimeField(
        label="受付時刻",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "時刻を「14:30」のように入力してください。"},
    )
    consent_explained_on = JapaneseDateField(
        label="個人情報の取扱いを説明し同意を得た日", required=False, allow_future=False
    )
    issues = forms.ModelMultipleChoiceField(
        label="相談内容（あてはまるものすべて）",
        queryset=IssueCategory.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "相談内容を1つ以上選んでください。"},
    )
    main_issue = forms.ModelChoiceField(
        label="主な相談内容（主）",
        queryset=IssueCategory.objects.filter(is_active=True),
        empty_label="選んでください",
        error_messages={"required": "主な相談内容を1つ選んでください。"},
    )

    class Meta:
        model = Consultation
        fields = [
            "consent_state",
            "channel",
            "consulter",
            "consulter_name",
            "consulter_relation",
            "consulter_phone",
            "issues",
            "main_issue",
            "summary",
            "wishes",
            "consent_explained_on",
            "consent_explained_by",
            "consent_note",
            "outcome",
            "outcome_note",
        ]
        widgets = {
            "consent_state": forms.RadioSelect,
            "channel": forms.RadioSelect,
            "consulter": forms.RadioSelect,
            # data-draft: kept in the browser while typing, so a timeout loses nothing.
            "summary": forms.Textarea(attrs={"rows": 4, "data-draft": "intake-summary"}),
            "wishes": forms.Textarea(attrs={"rows": 2, "data-draft": "intake-wishes"}),
            "consent_note": forms.Textarea(attrs={"rows": 2, "data-draft": "intake-consent"}),
            "outcome_note": forms.Textarea(attrs={"rows": 2, "data-draft": "intake-outcome"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("consent_state", "channel", "consulter"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]
        if not self.is_bound:
            now = timezone.localtime()
            self.initial.setdefault("received_date", now.date())
            self.initial.setdefault("received_time", now.strftime("%H:%M"))

    def clean(self):
        data = super().clean()
        issues, main = data.get("issues"), data.get("main_issue")
        if issues is not None and main is not None and main not in issues:
            self.add_error("main_issue", "主な相談内容は、選んだ相談内容の中から選んでください。")
        # 相談者の氏名 stays 任意: a neighbour's report is often anonymous (匿名の通報), and
        # the window must still be able to log it.
        if data.get("consent_state") != Consultation.ConsentState.GIVEN:
            # Those fields belong to the 同意あり form only; a half-typed date there
            # (before switching variant) must not block the 同意なし form.
            for name in ("consent_explained_on", "consent_explained_by"):
                self._errors.pop(name, None)
                data[name] = None if name == "consent_explained_on" else ""
        else:
            if not data.get("consent_explained_on"):
                self.add_error(
                    "consent_explained_on",
                    "同意ありの受付票では、説明し同意を得た日を入力してください。",
                )
            if not data.get("consent_explained_by"):
                self.add_error(
                    "consent_explained_by", "同意ありの受付票では、説明した職員を入力してください。"
                )
        day, time = data.get("received_date"), data.get("received_time")
        if day and time:
            received_at = combine_tokyo(day, time)
            if received_at > timezone.now() + dt.timedelta(minutes=5):
                self.add_error("received_time", "受付日時が未来になっています。")
            data["received_at"] = received_at
        return data

    def service_data(self) -> dict:
        data = self.cleaned_data
        fields = [f for f in self.Meta.fields if f not in ("issues", "main_issue")]
        result = {name: data.get(name) for name in fields}
        if data["consent_state"] != Consultation.ConsentState.GIVEN:
            result["consent_explained_on"] = None
            result["consent_explained_by"] = ""
        result["received_at"] = data["received_at"]
        return result


class SubjectForm(forms.Form):
    """For an existing household: who the consultation is about."""

    subject = forms.ChoiceField(
        label="相談の対象者（本人）",
        widget=forms.RadioSelect,
        error_messages={"required": "相談の対象者を選んでください。"},
    )

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        members = household.members.order_by("created_at")
        self.fields["subject"].choices = [
            *[(str(m.pk), f"{m.full_name}（{m.get_relation_display()}）") for m in members],
            (NEW_SUBJECT, "下で新しく登録する世帯員（続柄「本人」の行）"),
        ]


class CaseOpenForm(forms.Form):
    subjects = forms.ModelMultipleChoiceField(
        label="対象者",
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="このケースで支援の対象とする世帯員を選びます。",
        error_messages={"required": "対象者を1人以上選んでください。"},
    )
    main_agency = forms.ModelChoiceField(
        label="主担当機関",
        queryset=Agency.objects.filter(is_active=True),
        empty_label="選んでください",
        help_text="多機関協働の終結後も支援を引き継ぐ機関です。",
    )
    lead_coordinator = forms.ModelChoiceField(
        label="担当調整役", queryset=User.objects.none(), empty_label="選んでください"
    )
    extra_consultations = forms.ModelMultipleChoiceField(
        label="あわせて含める相談受付",
        queryset=Consultation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, consultation: Consultation, extra_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subjects"].queryset = consultation.household.members.all()
        self.fields["lead_coordinator"].queryset = User.objects.filter(
            is_active=True, groups__name=Role.COORDINATOR
        )
        self.fields["extra_consultations"].queryset = extra_choices
        self.fields["extra_consultations"].label_from_instance = lambda c: (
            f"{format_wareki(c.received_at)} {c.receiving_agency}：{c.summary[:30]}"
        )


class CaseEditForm(forms.ModelForm):
    version = VersionField()
    reason = forms.CharField(
        label="変更の理由",
        required=False,
        max_length=200,
        help_text="状態を変えたときは理由を残してください（タイムラインに表示されます）。",
    )

    class Meta:
        model = Case
        fields = ["status", "main_agency", "lead_coordinator"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["main_agency"].queryset = Agency.objects.filter(is_active=True)
        self.fields["lead_coordinator"].queryset = User.objects.filter(
            is_active=True, groups__name=Role.COORDINATOR
        )
        # 中断・終結 need their own flows (reasons, hand-over); not a plain edit.
        self.fields["status"].choices = [
            c for c in Case.Status.choices if c[0] in Case.ACTIVE_STATUSES
        ]
        if self.instance.status not in Case.ACTIVE_STATUSES:
            # A suspended or closed case keeps its status until it is resumed/reopened.
            self.fields["status"].choices = [
                (self.instance.status, self.instance.get_status_display())
            ]
            self.fields["status"].disabled = True
            self.fields["status"].help_text = "中断・終結中の状態は「再開」で戻します。"


class CaseAccessGrantForm(forms.Form):
    agency = forms.ModelChoiceField(
        label="閲覧を認める機関",
        queryset=Agency.objects.filter(is_active=True),
        empty_label="選んでください",
    )
    reason = forms.CharField(
        label="付与の理由",
        max_length=200,
        help_text=(
            "例: 役割分担で就労支援を担うため。庁内の課には法令上の根拠も書いてください"
            "（タイムラインに残ります）。庁外の機関は、対象者の同意の範囲にある機関だけです。"
        ),
    )
    valid_until = JapaneseDateField(
        label="終了日",
        required=False,
        help_text="この日の終わりに自動で閲覧できなくなります。空欄なら取り消すまで有効です。",
    )

    def clean_valid_until(self):
        # Inclusive end date: access ends at midnight Tokyo after that day.
        return end_of_day_tokyo(self.cleaned_data.get("valid_until"))


class CaseAccessRevokeForm(forms.Form):
    reason = forms.CharField(label="取消の理由", max_length=200)


class EmergencyAccessForm(forms.Form):
    """緊急時の提供: the article follows the agency (69条 for a department of the city,
    27条1項 for an agency outside it); the service checks that they match."""

    agency = forms.ModelChoiceField(
        label="提供先の機関",
        queryset=Agency.objects.filter(is_active=True),
        empty_label="選んでください",
        error_messages={"required": "提供先の機関を選んでください。"},
    )
    legal_basis = forms.ChoiceField(
        label="根拠（個人情報保護法）",
        choices=[
            (
                "庁内の課に提供する場合（69条）",
                [c for c in EmergencyAccessRequest.LegalBasis.choices if c[0].startswith("69")],
            ),
            (
                "庁外の機関に提供する場合（27条1項）",
                [c for c in EmergencyAccessRequest.LegalBasis.choices if c[0].startswith("27")],
            ),
        ],
        widget=forms.RadioSelect,
        help_text="庁内の課に提供するときは69条、庁外の機関に提供するときは27条1項から選びます。",
        error_messages={"required": "根拠を選んでください。"},
    )
    reason = forms.CharField(
        label="提供する理由（具体的に）",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "緊急に提供する理由を具体的に入力してください。",
            "max_length": "理由は1000字以内で入力してください（%(show_value)d字）。",
        },
    )
    consent_obstacle = forms.CharField(
        label="本人の同意を得られない理由",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="例: 意識がなく連絡が取れない、虐待の疑いがあり家族に知られると危険",
        error_messages={
            "required": "本人の同意を得られない理由を入力してください。",
            "max_length": "同意を得られない理由は500字以内で入力してください（%(show_value)d字）。",
        },
    )
    days = forms.IntegerField(
        label="期間（日数）",
        min_value=1,
        max_value=EmergencyAccessRequest.MAX_DAYS,
        initial=7,
        help_text=(
            "すぐに閲覧できるようになります。別の調整役が72時間以内に承認しないと失効し、"
            "承認されると申請から最長14日間です。"
        ),
        error_messages={
            "required": "期間を日数で入力してください。",
            "invalid": "期間は数字で入力してください。",
            "max_value": "期間は14日以内にしてください。",
            "min_value": "期間は1日以上にしてください。",
        },
    )


class EmergencyEndForm(forms.Form):
    reason = forms.CharField(
        label="打ち切る理由",
        max_length=200,
        error_messages={"required": "打ち切る理由を入力してください。"},
    )


class DvMeasureForm(forms.Form):
    person = forms.ModelChoiceField(
        label="対象の世帯員",
        queryset=Person.objects.none(),
        empty_label="選んでください",
        error_messages={"required": "対象の世帯員を選んでください。"},
    )
    valid_from = JapaneseDateField(label="開始日")
    valid_until = JapaneseDateField(
        label="終了日", required=False, help_text="この日まで。空欄なら解除するまで続きます。"
    )
    note = forms.CharField(
        label="備考（措置の根拠など）",
        max_length=200,
        required=False,
        error_messages={"max_length": "備考は200字以内で入力してください（%(show_value)d字）。"},
    )

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = household.members.all()
        if not self.is_bound:
            self.initial.setdefault("valid_from", timezone.localdate())
