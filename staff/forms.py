from django import forms

from agencies.models import Agency, User
from agencies.roles import Role


class StaffTransferForm(forms.Form):
    agency = forms.ModelChoiceField(
        label="異動先の機関",
        queryset=Agency.objects.filter(is_active=True),
        empty_label="選んでください",
    )
    reason = forms.CharField(label="理由", max_length=200, initial="人事異動")


class HandoverForm(forms.Form):
    successor = forms.ModelChoiceField(
        label="引継ぎ先の調整役", queryset=User.objects.none(), empty_label="選んでください"
    )
    reason = forms.CharField(label="理由", max_length=200, initial="担当調整役の異動・退職")

    def __init__(self, *args, leaving: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = User.objects.filter(
            is_active=True, groups__name=Role.COORDINATOR
        ).exclude(pk=leaving.pk)
