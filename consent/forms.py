from django import forms
from django.utils import timezone

from agencies.models import Agency
from agencies.submissions import SubmitOnceField
from cases.fields import JapaneseDateField

from .models import Consent


class ConsentForm(forms.ModelForm):
    agencies = forms.ModelMultipleChoiceField(
        label="共有してよい機関（同意の範囲）",
        queryset=Agency.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "共有してよい機関を1つ以上選んでください。"},
    )
    purposes = forms.MultipleChoiceField(
        label="同意の目的",
        choices=Consent.Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "同意の目的を1つ以上選んでください。"},
    )
    obtained_on = JapaneseDateField(label="同意を得た日", allow_future=False)
    valid_until = JapaneseDateField(
        label="有効期限", required=False, help_text="この日まで有効です。空欄なら撤回まで有効です。"
    )
    form_token = SubmitOnceField()
    document = forms.FileField(
        label="同意書（PDF・JPEG・PNG、10MBまで）",
        required=False,
        help_text="書面で同意を得た場合は、スキャンした同意書を登録してください。",
    )

    class Meta:
        model = Consent
        fields = [
            "given_by",
            "proxy_name",
            "self_capacity_confirmed",
            "agencies",
            "method",
            "witness",
            "obtained_on",
            "valid_until",
        ]
        widgets = {"method": forms.RadioSelect, "given_by": forms.RadioSelect}
        help_texts = {
            "proxy_name": (
                "本人以外（法定代理人）が同意した場合。家族であっても法定代理人でなければ"
                "代理できません。"
            ),
        }

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        if person is not None and person.birth_date is not None:
            # The age is known: the service checks it, no confirmation to tick.
            del self.fields["self_capacity_confirmed"]
        for name in ("method", "given_by"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]
        if not self.is_bound:
            self.initial.setdefault("obtained_on", timezone.localdate())

    def clean(self):
        data = super().clean()
        start, end = data.get("obtained_on"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", "有効期限は同意を得た日以降にしてください。")
        return data

    def _post_clean(self):
        # The service validates the model (with the person); nothing to build here.
        pass

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        data["self_capacity_confirmed"] = bool(data["self_capacity_confirmed"])
        del data["agencies"]
        purposes = set(self.cleaned_data["purposes"])
        for purpose in Consent.Purpose.values:
            data[f"purpose_{purpose}"] = purpose in purposes
        return data


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = JapaneseDateField(label="撤回日", allow_future=False)
    reason = forms.CharField(label="撤回の理由", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("withdrawn_on", timezone.localdate())
