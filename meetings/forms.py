from __future__ import annotations

from django import forms
from django.utils import timezone

from agencies.models import Agency, User
from agencies.submissions import SubmitOnceField
from cases.fields import JapaneseDateField, years_from_today
from cases.forms import VersionField
from core.japanese import format_wareki

from .models import AgendaItem, BodyMember, Meeting, MeetingBody


def _active_users():
    return (
        User.objects.filter(is_active=True)
        .select_related("agency")
        .order_by("agency__name_kana", "name_kana", "username")
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}（{obj.agency}）"


class BodyForm(forms.ModelForm):
    chair = UserChoiceField(
        label="会長・座長", queryset=_active_users(), required=False, empty_label="選んでください"
    )

    class Meta:
        model = MeetingBody
        fields = ["name", "kind", "chair", "piggybacks_on"]
        widgets = {"kind": forms.RadioSelect}
        help_texts = {
            "name": "例: 支援会議、包括的支援会議、まるごと会議",
            "kind": "根拠によって、本人同意の要否と守秘義務（誓約書）の扱いが決まります。",
            "piggybacks_on": "既存の会議体と一体的に開催する場合に選びます。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in self.fields["kind"].choices if c[0] != ""]
        self.fields["piggybacks_on"].choices = [
            ("", "なし"),
            *MeetingBody.Piggyback.choices,
        ]

    def _post_clean(self):
        # The service validates and saves the model.
        pass


class MemberForm(forms.Form):
    user = UserChoiceField(
        label="職員（ログインできる人）",
        queryset=_active_users(),
        required=False,
        empty_label="ログインしない人（民生委員・事業者など）",
        help_text="Kasane を使う職員なら選んでください。氏名と所属は職員の登録から入ります。",
    )
    name = forms.CharField(label="氏名", max_length=100, required=False)
    agency = forms.ModelChoiceField(
        label="所属機関・団体",
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        empty_label="選んでください",
    )
    title = forms.CharField(
        label="役職・立場", max_length=100, required=False, help_text="例: 民生委員・児童委員"
    )

    def clean(self):
        data = super().clean()
        if not data.get("user"):
            if not (data.get("name") or "").strip():
                self.add_error("name", "ログインしない人は氏名を入力してください。")
            if not data.get("agency"):
                self.add_error("agency", "ログインしない人は所属機関・団体を選んでください。")
        return data


class PledgeForm(forms.Form):
    form_token = SubmitOnceField()
    signed_on = JapaneseDateField(label="署名日", allow_future=False)
    valid_until = JapaneseDateField(
        label="有効期限", required=False, help_text="この日まで有効です。例: 年度末（3月31日）"
    )
    document = forms.FileField(
        label="誓約書（PDF・JPEG・PNG、10MBまで）",
        required=False,
        help_text="署名した誓約書をスキャンして登録できます。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("signed_on", timezone.localdate())

    def clean(self):
        data = super().clean()
        start, end = data.get("signed_on"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", "有効期限は署名日以降にしてください。")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=200)


class MeetingForm(forms.ModelForm):
    form_token = SubmitOnceField()
    bodies = forms.ModelMultipleChoiceField(
        label="会議体",
        queryset=MeetingBody.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        help_text="2つ以上選ぶと合同開催（議題ごとにどの会議体で扱うかを選びます）。",
        error_messages={"required": "会議体を1つ以上選んでください。"},
    )
    date = JapaneseDateField(
        label="開催日",
        earliest=years_from_today(-5),
        latest=years_from_today(2),
        help_text="2年先まで予定できます。",
    )
    start_time = forms.TimeField(
        label="開始時刻",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "時刻を「14:30」のように入力してください。"},
    )

    held_confirmed = forms.BooleanField(
        label="すでに開いた会議を記録します",
        required=False,
        help_text="開催日が過去の日付のときだけチェックします。",
    )

    class Meta:
        model = Meeting
        fields = ["bodies", "date", "start_time", "kind", "place"]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in self.fields["kind"].choices if c[0] != ""]
        if not self.instance._state.adding:
            del self.fields["form_token"]  # changing a meeting is no create

    def clean(self):
        data = super().clean()
        day = data.get("date")
        # A past date is a meeting already held, and only on purpose; keeping the
        # date a meeting already had needs no confirmation.
        unchanged = not self.instance._state.adding and day == self.instance.date
        past = day is not None and day < timezone.localdate() and not unchanged
        if past and not data.get("held_confirmed"):
            self.add_error(
                "date",
                f"{format_wareki(day)}は過去の日付です。すでに開いた会議を記録するときは、"
                "「すでに開いた会議を記録します」にチェックしてください。",
            )
        return data

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("date", "start_time", "kind", "place")}


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: BodyMember) -> str:
        title = f"・{obj.title}" if obj.title else ""
        login = "" if obj.user_id else "（ログインなし）"
        return f"{obj.name}（{obj.agency}{title}）{login}— {obj.body}"


class AttendeeMembersForm(forms.Form):
    members = MemberChoiceField(
        label="出席する構成員",
        queryset=BodyMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "出席する構成員を1人以上選んでください。"},
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        attending = meeting.attendees.exclude(member=None).values("member_id")
        self.fields["members"].queryset = (
            BodyMember.objects.filter(body__in=meeting.bodies.all())
            .exclude(pk__in=attending)
            .select_related("agency", "body")
        )


class AttendeeAdHocForm(forms.Form):
    name = forms.CharField(label="氏名", max_length=100, required=False)
    agency = forms.ModelChoiceField(
        label="所属機関・団体",
        queryset=Agency.objects.filter(is_active=True),
        empty_label="選んでください",
        error_messages={"required": "所属機関・団体を選んでください。"},
    )
    title = forms.CharField(label="役職・立場", max_length=100, required=False)
    user = UserChoiceField(
        label="職員（ログインできる人）",
        queryset=_active_users(),
        required=False,
        empty_label="ログインしない人",
        help_text="支援会議の議題は、構成員として誓約書を記録した人にしか示せません。",
    )

    def clean(self):
        data = super().clean()
        if not data.get("user") and not (data.get("name") or "").strip():
            self.add_error("name", "氏名を入力するか、職員を選んでください。")
        return data


class ProposalForm(forms.Form):
    """議題の申出: which body, for what, and what the proposer wants discussed."""

    form_token = SubmitOnceField()

    body = forms.ModelChoiceField(
        label="申し出る会議体",
        queryset=MeetingBody.objects.filter(is_active=True),
        empty_label="選んでください",
        error_messages={"required": "申し出る会議体を選んでください。"},
    )
    purpose = forms.ChoiceField(
        label="協議の目的",
        choices=[("", "選んでください"), *AgendaItem.Purpose.choices],
        error_messages={"required": "協議の目的を選んでください。"},
    )
    reason = forms.CharField(
        label="協議したいこと",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5, "data-draft": "proposal-reason"}),
        help_text="何に困っていて、会議で何を決めたいか（1000字まで）。",
        error_messages={
            "required": "会議で協議したいことを入力してください。",
            "max_length": "協議したいことは1000字以内で入力してください（%(show_value)d字）。",
        },
    )


class ProposalAcceptForm(forms.Form):
    """議題化: the button of one proposal row on the agenda page."""

    proposal = forms.UUIDField(widget=forms.HiddenInput)


class MinutesForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = AgendaItem
        fields = ["minutes", "ends_handling"]
        widgets = {"minutes": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, allow_end: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # Kept in the browser while typing, so a session timeout loses nothing.
        self.fields["minutes"].widget.attrs["data-draft"] = f"minutes-{self.instance.pk}"
        self.fields["version"].initial = self.instance.version
        if not allow_end:
            del self.fields["ends_handling"]

    def _post_clean(self):
        pass


class DecisionForm(forms.Form):
    content = forms.CharField(label="何をするか", max_length=300)
    assignee_agency = forms.ModelChoiceField(
        label="担当機関",
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        empty_label="選んでください",
    )
    assignee_name = forms.CharField(label="担当者", max_length=100, required=False)
    due_on = JapaneseDateField(label="期限", required=False, latest=years_from_today(3))

    def clean(self):
        data = super().clean()
        if not data.get("assignee_agency") and not (data.get("assignee_name") or "").strip():
            self.add_error("assignee_agency", "担当する機関か担当者を入力してください。")
        return data


class RegionalIssueForm(forms.Form):
    content = forms.CharField(
        label="地域課題",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="個別のケースから見えた、地域に足りない社会資源や仕組み。個人が特定される内容は書かないでください。",
    )


class DecisionReportForm(forms.Form):
    done = forms.BooleanField(label="完了した", required=False)
    report = forms.CharField(
        label="報告（短く）",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
