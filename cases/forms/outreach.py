"""Forms of アウトリーチ等を通じた継続的支援: starting one, the contacts log, the end."""

from __future__ import annotations

from django import forms

from agencies.submissions import SubmitOnceField

from ..fields import JapaneseDateField
from ..models import OutreachContact, OutreachEngagement, Person
from ..services.support import RECORD_EARLIEST
from . import HouseholdForm, PersonForm


class OutreachStartForm(forms.ModelForm):
    form_token = SubmitOnceField()
    started_on = JapaneseDateField(label="開始日", earliest=RECORD_EARLIEST, allow_future=False)

    class Meta:
        model = OutreachEngagement
        fields = ["started_on", "concern"]
        widgets = {
            # data-draft: kept in the browser while typing, so a timeout loses nothing.
            "concern": forms.Textarea(
                attrs={"rows": 4, "maxlength": 2000, "data-draft": "outreach-concern"}
            ),
        }
        help_texts = {
            "concern": "相談受付につなぐとき、この内容が主訴に入ります。",
        }
        error_messages = {"concern": {"required": "気になっていることを入力してください。"}}


class OutreachHouseholdForm(HouseholdForm):
    """The household of concern, when it is not registered yet (all optional)."""


class OutreachPersonForm(PersonForm):
    """The person of concern (本人); other members are added from the household page."""

    class Meta(PersonForm.Meta):
        fields = [f for f in PersonForm.Meta.fields if f != "relation"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family_name"].error_messages["required"] = "姓を入力してください。"
        self.fields["family_name_kana"].error_messages["required"] = (
            "ふりがな（せい）を入力してください。"
        )

    def service_data(self) -> dict:
        return {**self.cleaned_data, "relation": Person.Relation.SELF}


class OutreachContactForm(forms.ModelForm):
    form_token = SubmitOnceField()
    contacted_on = JapaneseDateField(label="日付", earliest=RECORD_EARLIEST, allow_future=False)

    class Meta:
        model = OutreachContact
        fields = ["contacted_on", "method", "with_whom", "what_happened"]
        widgets = {
            "method": forms.RadioSelect,
            "with_whom": forms.TextInput(attrs={"maxlength": 100}),
            "what_happened": forms.Textarea(
                attrs={"rows": 6, "maxlength": 4000, "data-draft": "outreach-contact"}
            ),
        }
        help_texts = {"with_whom": "例: 本人（玄関先で）、母、民生委員の○○さん"}
        error_messages = {
            "method": {"required": "方法を選んでください。"},
            "what_happened": {"required": "様子・やりとりを入力してください。"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [c for c in self.fields["method"].choices if c[0] != ""]


class OutreachEndForm(forms.Form):
    ended_on = JapaneseDateField(label="終了日", earliest=RECORD_EARLIEST, allow_future=False)
    end_reason = forms.CharField(
        label="終了の理由",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text="例: 相談受付につながり、ケースとして支援することになった。転居した。",
        error_messages={"required": "終了の理由を入力してください。"},
    )


class OutreachSearchForm(forms.Form):
    q = forms.CharField(
        label="氏名・ふりがな",
        max_length=50,
        required=False,
        error_messages={"max_length": "検索語は50文字以内で入力してください。"},
    )
    status = forms.ChoiceField(
        label="状態",
        required=False,
        choices=[*OutreachEngagement.Status.choices, ("all", "すべて")],
        error_messages={"invalid_choice": "状態は一覧から選んでください。"},
    )
