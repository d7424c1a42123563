from __future__ import annotations

from django import forms
from django.db.models import Prefetch

from agencies.models import Agency, User
from agencies.submissions import SubmitOnceField
from cases.models import IssueCategory, Person

from .models import Referral
from .services import (
    COMPLETION_NOTE_LIMIT,
    DECLINE_REASON_LIMIT,
    MEMBER_NOTE_LIMIT,
    TEXT_LIMITS,
    WITHDRAW_REASON_LIMIT,
)


class AgencyChoiceField(forms.ModelChoiceField):
    """Each agency with its 連携担当者, so the sender knows who will read the sheet."""

    def label_from_instance(self, obj: Agency) -> str:
        label = obj.name + ("（多機関協働）" if obj.is_collaboration_hub else "")
        names = [user.display_name for user in obj.liaisons.all()]
        return f"{label}　連携担当者: {'、'.join(names)}" if names else label


def _text(name: str, *, rows: int) -> forms.CharField:
    label, limit, required = TEXT_LIMITS[name]
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=f"{limit}字以内",
    )


class ReferralForm(forms.Form):
    form_token = SubmitOnceField()
    to_agency = AgencyChoiceField(
        label="紹介先（機関）",
        queryset=Agency.objects.none(),
        empty_label="選んでください",
        help_text="多機関協働へは本人同意なしでも送れます。ほかの機関へは、本人の有効な同意"
        "（関係機関との情報共有）の範囲に含まれる機関だけに送れます。",
    )
    person = forms.ModelChoiceField(label="本人", queryset=Person.objects.none(), required=False)
    urgency = forms.ChoiceField(
        label="緊急度",
        choices=Referral.Urgency.choices,
        initial=Referral.Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    issues = forms.ModelMultipleChoiceField(
        label="お困りごとの内容",
        queryset=IssueCategory.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
    )
    situation = _text("situation", rows=5)
    actions_taken = _text("actions_taken", rows=3)
    reason = _text("reason", rows=3)
    considerations = _text("considerations", rows=3)

    def __init__(self, *args, actor: User, members, subjects=None, **kwargs):
        super().__init__(*args, **kwargs)
        liaisons = Prefetch(
            "liaisons", queryset=User.objects.filter(is_active=True).order_by("name_kana")
        )
        self.fields["to_agency"].queryset = (
            Agency.objects.filter(is_active=True)
            .exclude(pk=actor.agency_id)
            .prefetch_related(liaisons)
            .order_by("-is_collaboration_hub", "name_kana", "name")
        )
        if subjects is None:
            del self.fields["person"]
        else:
            self.fields["person"].queryset = subjects
            self.fields["person"].required = True
            self.fields["person"].empty_label = None
        self.members = list(members)
        for member in self.members:
            self.fields[f"note_{member.pk}"] = forms.CharField(
                label=f"{member.full_name}さんの備考",
                max_length=MEMBER_NOTE_LIMIT,
                required=False,
            )

    def member_rows(self):
        return [(member, self[f"note_{member.pk}"]) for member in self.members]

    def member_notes(self) -> dict[str, str]:
        return {
            str(member.pk): self.cleaned_data.get(f"note_{member.pk}", "")
            for member in self.members
        }

    def service_data(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in (*TEXT_LIMITS, "urgency")}


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="辞退の理由",
        max_length=DECLINE_REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"必須。{DECLINE_REASON_LIMIT}字以内。送付元に伝わります。",
    )


class CompleteForm(forms.Form):
    note = forms.CharField(
        label="対応の結果",
        max_length=COMPLETION_NOTE_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"{COMPLETION_NOTE_LIMIT}字以内",
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="取下げの理由",
        max_length=WITHDRAW_REASON_LIMIT,
        required=False,
        help_text=f"{WITHDRAW_REASON_LIMIT}字以内",
    )


class FiscalYearForm(forms.Form):
    year = forms.IntegerField(label="年度（西暦）", min_value=2000, max_value=2100, required=False)
