"""Forms of 参加支援."""

from __future__ import annotations

from django import forms

from agencies.models import CommunityResource
from agencies.submissions import SubmitOnceField

from ..fields import JapaneseDateField, years_from_today
from ..models import Person
from ..models.participation import ParticipationSupport
from ..services.participation import PARTICIPATION_EARLIEST
from . import VersionField


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.full_name}（{obj.get_relation_display()}）"


class ResourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CommunityResource) -> str:
        area = f"・{obj.area}" if obj.area_id else ""
        return f"{obj.name}（{obj.get_kind_display()}{area}）"


def _started_on() -> JapaneseDateField:
    return JapaneseDateField(
        label="開始日",
        earliest=PARTICIPATION_EARLIEST,
        latest=years_from_today(1),
        help_text="調整を始めた日、または参加を始めた（始める）日。",
        error_messages={"required": "開始日を入力してください。"},
    )


def _ended_on() -> JapaneseDateField:
    return JapaneseDateField(
        label="終了日",
        required=False,
        earliest=PARTICIPATION_EARLIEST,
        allow_future=False,
        help_text="状況が「終了」のときに入力します。",
    )


class ParticipationForm(forms.ModelForm):
    form_token = SubmitOnceField()
    person = MemberChoiceField(
        label="参加する人",
        queryset=Person.objects.none(),
        empty_label="選んでください",
        error_messages={
            "required": "参加する人を選んでください。",
            "invalid_choice": "このケースの世帯員を選んでください。",
        },
    )
    resource = ResourceChoiceField(
        label="つなぐ社会資源",
        queryset=CommunityResource.objects.none(),
        empty_label="選んでください",
        help_text="一覧にないときは、調整役が社会資源に登録します。",
        error_messages={
            "required": "つなぐ社会資源を選んでください。",
            "invalid_choice": "有効な社会資源を一覧から選んでください。",
        },
    )
    started_on = _started_on()
    ended_on = _ended_on()

    class Meta:
        model = ParticipationSupport
        fields = ["person", "resource", "started_on", "status", "outcome", "ended_on", "note"]
        widgets = {
            "status": forms.RadioSelect,
            "outcome": forms.Textarea(
                attrs={"rows": 4, "maxlength": 1000, "data-draft": "participation-new"}
            ),
        }

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["person"].queryset = members
        self.fields["resource"].queryset = CommunityResource.objects.filter(
            is_active=True
        ).select_related("area")

    def _post_clean(self):
        # The service checks the row (membership, dates, status) with its own messages.
        return None


class ParticipationEditForm(forms.ModelForm):
    version = VersionField()
    started_on = _started_on()
    ended_on = _ended_on()

    class Meta:
        model = ParticipationSupport
        fields = ["started_on", "status", "outcome", "ended_on", "note"]
        widgets = {
            "status": forms.RadioSelect,
            "outcome": forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        }

    def _post_clean(self):
        return None
