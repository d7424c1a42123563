"""Forms of 世帯の統合 and 世帯の分離."""

from __future__ import annotations

from django import forms

from ..models import Household, Person
from ..services.households import SPLIT_REASONS


class HouseholdMergeForm(forms.Form):
    target = forms.ModelChoiceField(
        label="統合先の世帯",
        queryset=Household.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": "統合先の世帯を選んでください。"},
    )
    reason = forms.CharField(
        label="統合の理由（同じ世帯だとわかった経緯）",
        max_length=200,
        error_messages={"required": "統合の理由を入力してください。"},
    )
    confirm = forms.BooleanField(
        label="2つの記録が同じ世帯であることを確かめました（統合は取り消せません）",
        error_messages={"required": "同じ世帯であることを確かめたら、チェックを入れてください。"},
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["target"].queryset = candidates
        self.fields["target"].label_from_instance = lambda h: f"{h.display_name}さん世帯"


class HouseholdSplitForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label="新しい世帯に移る世帯員",
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "新しい世帯に移る世帯員を1人以上選んでください。"},
    )
    reason_kind = forms.ChoiceField(
        label="分かれる理由",
        choices=list(SPLIT_REASONS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "分かれる理由を選んでください。"},
        help_text="「DV等からの避難」では、移る人にDV等支援措置を記録し、新しい住所は最初から"
        "担当の調整役以外に表示されません。",
    )
    postal_code = forms.CharField(label="新しい世帯の郵便番号", max_length=8, required=False)
    address = forms.CharField(label="新しい世帯の住所", max_length=200, required=False)
    phone = forms.CharField(label="新しい世帯の電話", max_length=30, required=False)
    note = forms.CharField(
        label="経緯", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        if household is not None:
            self.fields["members"].queryset = household.members.order_by("created_at")
        self.fields["members"].label_from_instance = lambda p: (
            f"{p.full_name}（{p.get_relation_display()}）"
        )


class PersonMergeForm(forms.Form):
    source = forms.ModelChoiceField(
        label="統合する記録（こちらは一覧から消え、履歴とともに残ります）",
        queryset=Person.objects.none(),
        error_messages={"required": "統合する記録を選んでください。"},
    )
    target = forms.ModelChoiceField(
        label="残す記録",
        queryset=Person.objects.none(),
        error_messages={"required": "残す記録を選んでください。"},
    )
    reason = forms.CharField(
        label="統合の理由（同じ人だとわかった経緯）",
        max_length=200,
        error_messages={"required": "統合の理由を入力してください。"},
    )
    confirm = forms.BooleanField(
        label="2つの記録が同じ人であることを確かめました（統合は取り消せません）",
        error_messages={"required": "同じ人であることを確かめたら、チェックを入れてください。"},
    )

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        if household is not None:
            members = household.members.order_by("created_at")
            self.fields["source"].queryset = members
            self.fields["target"].queryset = members
        label = lambda p: (  # noqa: E731
            f"{p.full_name}（{p.full_name_kana}、{p.get_relation_display()}）"
        )
        self.fields["source"].label_from_instance = label
        self.fields["target"].label_from_instance = label
