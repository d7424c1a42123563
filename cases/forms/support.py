"""Forms of a case's life after its opening: records, 中断・再開, 終結・再開."""

from __future__ import annotations

from django import forms

from agencies.models import Agency
from agencies.submissions import SubmitOnceField

from ..fields import JapaneseDateField
from ..models import CaseClosure, CaseSuspension, SupportRecord
from ..services.support import RECORD_EARLIEST
from . import VersionField


class SupportRecordForm(forms.ModelForm):
    form_token = SubmitOnceField()
    occurred_on = JapaneseDateField(
        label="実施日",
        earliest=RECORD_EARLIEST,
        allow_future=False,
    )

    class Meta:
        model = SupportRecord
        fields = ["occurred_on", "kind", "content", "restricted"]
        widgets = {
            # data-draft: kept in the browser while typing, so a timeout loses nothing.
            "content": forms.Textarea(attrs={"rows": 8, "data-draft": "record-new"}),
            "kind": forms.RadioSelect,
        }


class SupportRecordCorrectForm(forms.ModelForm):
    version = VersionField()
    occurred_on = JapaneseDateField(
        label="実施日",
        earliest=RECORD_EARLIEST,
        allow_future=False,
    )
    reason = forms.CharField(
        label="修正の理由",
        max_length=200,
        help_text="修正前の内容は履歴に残ります。",
        error_messages={"required": "修正の理由を入力してください。"},
    )

    class Meta:
        model = SupportRecord
        fields = ["occurred_on", "kind", "content", "restricted"]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["content"].widget = forms.Textarea(
            attrs={"rows": 8, "data-draft": f"record-{self.instance.pk}", "maxlength": 4000}
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由",
        max_length=200,
        error_messages={"required": "理由を入力してください。"},
    )


class CaseSuspendForm(forms.Form):
    reason = forms.ChoiceField(
        label="中断の理由",
        choices=CaseSuspension.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "中断の理由を選んでください。"},
    )
    note = forms.CharField(
        label="中断の経緯",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "中断の経緯を入力してください。"},
    )


class CaseResumeForm(forms.Form):
    note = forms.CharField(
        label="再開の経緯",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "再開の経緯を入力してください。"},
    )


class CaseCloseForm(forms.Form):
    reason = forms.ChoiceField(
        label="終結の理由",
        choices=CaseClosure.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "終結の理由を選んでください。"},
    )
    handover_agency = forms.ModelChoiceField(
        label="引き継ぐ主担当機関",
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        empty_label="（引継ぎなし）",
        help_text="「既存の窓口で支援可能」「包括的相談支援へ戻す」のときに選びます。",
    )
    note = forms.CharField(
        label="終結の経緯",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    improvement = forms.ChoiceField(
        label="自立に向けた改善が見られたか（国の実績報告の項目）",
        choices=CaseClosure.Improvement.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "自立に向けた改善が見られたかを選んでください。"},
    )
    evaluation = forms.CharField(
        label="最終評価（支援の経過と成果）",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6, "data-draft": "case-close-evaluation"}),
        error_messages={"required": "最終評価を入力してください（終結には評価が必要です）。"},
    )


class CaseReopenForm(forms.Form):
    reason = forms.CharField(
        label="再開の理由",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "再開の理由を入力してください。"},
    )
