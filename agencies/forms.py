from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from core.japanese import fiscal_year, fiscal_year_label

from .models import Area, CommunityResource
from .submissions import SubmitOnceField


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "ユーザー名またはパスワードが正しくありません。",
        "inactive": "このアカウントは無効です。システム管理者に連絡してください。",
    }

    username = forms.CharField(
        label="ユーザー名",
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label="パスワード",
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


# ---------------------------------------------------------------------------
# 社会資源


class ResourceSearchForm(forms.Form):
    q = forms.CharField(label="名称・ふりがな", max_length=100, required=False)
    kind = forms.ChoiceField(
        label="種別",
        choices=[("", "すべて"), *CommunityResource.Kind.choices],
        required=False,
    )
    area = forms.ModelChoiceField(
        label="圏域・小学校区", queryset=Area.objects.all(), required=False, empty_label="すべて"
    )
    inactive = forms.BooleanField(label="無効にした社会資源も表示する", required=False)


class ResourceForm(forms.ModelForm):
    class Meta:
        model = CommunityResource
        fields = [
            "name",
            "name_kana",
            "kind",
            "area",
            "contact_person",
            "phone",
            "address",
            "offers",
            "is_active",
        ]
        widgets = {"offers": forms.Textarea(attrs={"rows": 4, "maxlength": 1000})}
        error_messages = {
            "name": {"required": "名称を入力してください。"},
            "kind": {"required": "種別を選んでください。"},
        }

    def _post_clean(self):
        # The service validates the row and its constraints (Japanese messages); here
        # they would run before the one-time token, and a double submit would answer
        # 「すでに登録」 instead of showing what the first one created.
        return None


class ResourceNewForm(ResourceForm):
    form_token = SubmitOnceField()


def fiscal_year_choices() -> list[tuple[int, str]]:
    """The 年度 a figure may be entered for: this one, the next, and five before."""
    current = fiscal_year(timezone.now())
    return [(year, fiscal_year_label(year)) for year in range(current + 1, current - 6, -1)]


class ResourceFiguresForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(
        label="年度",
        coerce=int,
        choices=fiscal_year_choices,
        error_messages={"invalid_choice": "年度を一覧から選んでください。"},
    )
    is_hub = forms.BooleanField(label="地域づくりの拠点", required=False)
    participants = forms.IntegerField(
        label="参加者数（延べ）",
        min_value=0,
        max_value=1_000_000,
        error_messages={
            "required": "参加者数（延べ）を入力してください（いなければ0）。",
            "invalid": "参加者数（延べ）は数字で入力してください。",
            "min_value": "参加者数（延べ）は0以上にしてください。",
            "max_value": "参加者数（延べ）は100万人以下にしてください。",
        },
    )
    citizens_running = forms.IntegerField(
        label="運営に携わる市民数",
        min_value=0,
        max_value=100_000,
        error_messages={
            "required": "運営に携わる市民数を入力してください（いなければ0）。",
            "invalid": "運営に携わる市民数は数字で入力してください。",
            "min_value": "運営に携わる市民数は0以上にしてください。",
            "max_value": "運営に携わる市民数は10万人以下にしてください。",
        },
    )
    agencies_count = forms.IntegerField(
        label="参加機関数",
        min_value=0,
        max_value=10_000,
        error_messages={
            "required": "参加機関数を入力してください（なければ0）。",
            "invalid": "参加機関数は数字で入力してください。",
            "min_value": "参加機関数は0以上にしてください。",
            "max_value": "参加機関数は1万以下にしてください。",
        },
    )
