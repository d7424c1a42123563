"""Forms of 支援プラン and the インテーク・アセスメントシート."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from agencies.models import Agency

from ..fields import JapaneseDateField, years_from_today
from ..models import IssueCategory
from ..models.plans import Assessment, AssessmentMember, PlanStakeholder, SupportPlan
from . import VersionField

PLAN_EARLIEST = dt.date(2000, 1, 1)


class PlanForm(forms.ModelForm):
    version = VersionField(required=False)
    monitoring_on = JapaneseDateField(
        label="モニタリング（見直し）予定日",
        earliest=timezone.localdate,
        latest=years_from_today(3),
        error_messages={"required": "モニタリング予定日を入力してください。"},
    )
    agreed_on = JapaneseDateField(
        label="本人の同意日",
        required=False,
        earliest=PLAN_EARLIEST,
        allow_future=False,
        help_text="印刷したプランに署名をもらった日。後から入力できます。",
    )

    class Meta:
        model = SupportPlan
        fields = [
            "long_term_goal",
            "short_term_goal",
            "person_wishes",
            "urgent",
            "monitoring_on",
            "agreed_on",
        ]
        widgets = {
            "long_term_goal": forms.Textarea(attrs={"rows": 3, "data-draft": "plan-long"}),
            "short_term_goal": forms.Textarea(attrs={"rows": 3, "data-draft": "plan-short"}),
            "person_wishes": forms.Textarea(attrs={"rows": 3, "data-draft": "plan-wishes"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            # Editing an existing plan may keep a monitoring date that has passed.
            del self.fields["version"]
        else:
            self.fields["version"].required = True
            self.fields["monitoring_on"].earliest = PLAN_EARLIEST


class PlanTaskForm(forms.Form):
    agency = forms.ModelChoiceField(
        label="担当機関",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="（機関以外の関係者が担当）",
        help_text="このケースに対応する根拠（受付機関・同意・参加機関・多機関協働）のある機関だけ選べます。",
    )
    stakeholder_name = forms.CharField(
        label="担当（機関以外：家族・民生委員など）", max_length=100, required=False
    )
    content = forms.CharField(
        label="支援内容（何をするか）",
        max_length=300,
        error_messages={"required": "支援内容を入力してください。"},
    )
    due_on = JapaneseDateField(
        label="期限", required=False, earliest=PLAN_EARLIEST, latest=years_from_today(3)
    )

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agencies is not None:
            self.fields["agency"].queryset = agencies


class PlanStakeholderForm(forms.Form):
    kind = forms.ChoiceField(
        label="種別",
        choices=[("", "選んでください"), *PlanStakeholder.Kind.choices],
        error_messages={"required": "種別を選んでください。"},
    )
    agency = forms.ModelChoiceField(
        label="登録済みの機関",
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        empty_label="（登録されていない関係者）",
    )
    name = forms.CharField(label="名称・氏名", max_length=100, required=False)
    role = forms.CharField(label="役割", max_length=200, required=False)


class TaskReportForm(forms.Form):
    done = forms.BooleanField(label="完了した", required=False)
    report = forms.CharField(
        label="報告（短く）",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssessmentForm(forms.ModelForm):
    version = VersionField(required=False)
    assessed_on = JapaneseDateField(
        label="アセスメント日", earliest=PLAN_EARLIEST, allow_future=False
    )

    class Meta:
        model = Assessment
        fields = ["assessed_on", "household_situation", "strengths", "risks"]
        widgets = {
            "household_situation": forms.Textarea(
                attrs={"rows": 5, "data-draft": "assessment-household"}
            ),
            "strengths": forms.Textarea(attrs={"rows": 3, "data-draft": "assessment-strengths"}),
            "risks": forms.Textarea(attrs={"rows": 3, "data-draft": "assessment-risks"}),
        }


class AssessmentMemberForm(forms.ModelForm):
    """Every item may stay 不明: a member nobody has met yet is still on the sheet."""

    CHOICE_FIELDS = ("work", "housing", "insurance", "pension")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.CHOICE_FIELDS:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name in self.CHOICE_FIELDS:
            if not data.get(name):
                data[name] = "unknown"
        return data

    issues = forms.ModelMultipleChoiceField(
        label="抱える課題",
        queryset=IssueCategory.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = AssessmentMember
        fields = [
            "work",
            "housing",
            "insurance",
            "pension",
            "issues",
            "health",
            "daily_life",
            "relations",
            "strengths",
            "risks",
            "wishes",
        ]
