"""Master data only. Case content is deliberately not registered in the admin."""

import csv
import json
import unicodedata

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django_otp.plugins.otp_static import admin as _otp_static_admin  # noqa: F401
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as _otp_totp_admin  # noqa: F401
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from .accounts import (
    account_unlock,
    credentials_reset,
    masked_email,
    password_set_link_send,
)
from .audit import Action, access_event_record
from .models import AccessEvent, Agency, Area, CommunityResource, ResourceYearFigures, User
from .roles import Role, roles_text
from .services import (
    FIGURE_FIELDS,
    RESOURCE_FIELDS,
    account_change_record,
    account_snapshot,
    resource_figures_save,
    resource_save,
)


def role_label(group: Group) -> str:
    """A group is shown by its role's Japanese name, never by its code name."""
    return roles_text([group.name])


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Group) -> str:
        return role_label(obj)


class RoleListFilter(admin.SimpleListFilter):
    title = "役割"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(role.value, role.label) for role in Role]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(groups__name=self.value())
        return queryset


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    list_display = ["role", "name"]
    readonly_fields = ["name"]

    @admin.display(description="役割")
    def role(self, obj: Group) -> str:
        return role_label(obj)


@admin.register(Area)
class AreaAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "sort_order"]


class ResourceYearFiguresForm(forms.ModelForm):
    class Meta:
        model = ResourceYearFigures
        fields = ["fiscal_year", *FIGURE_FIELDS]

    def clean_fiscal_year(self):
        year = self.cleaned_data["fiscal_year"]
        if self.instance.pk and year != self.instance.fiscal_year:
            # The figures are saved per (resource, 年度): a changed year would leave the
            # old row behind. A new year is a new row.
            raise ValidationError(
                "登録済みの年度は変更できません。別の年度は行を追加してください。"
            )
        return year


class ResourceYearFiguresInline(admin.TabularInline):
    model = ResourceYearFigures
    form = ResourceYearFiguresForm
    fields = ["fiscal_year", *FIGURE_FIELDS]
    extra = 0
    can_delete = False


@admin.register(CommunityResource)
class CommunityResourceAdmin(SimpleHistoryAdmin):
    """社会資源 (master data): saved through the same services as the coordinators'
    pages, so the search key and the history user are set the same way."""

    fields = list(RESOURCE_FIELDS)
    list_display = ["name", "kind", "area", "is_active"]
    list_filter = ["kind", "area", "is_active"]
    search_fields = ["name", "name_kana"]
    inlines = [ResourceYearFiguresInline]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in RESOURCE_FIELDS}
        saved = resource_save(actor=request.user, data=data, resource=obj if change else None)
        obj.pk = saved.pk

    def save_formset(self, request, form, formset, change):
        for row in formset.save(commit=False):
            resource_figures_save(
                actor=request.user,
                resource=form.instance,
                fiscal_year=row.fiscal_year,
                data={name: getattr(row, name) for name in FIGURE_FIELDS},
            )
        formset.save_m2m()


class AgencyAdminForm(forms.ModelForm):
    """連携担当者 are chosen from the agency's own active staff only."""

    class Meta:
        model = Agency
        fields = [
            "name",
            "name_kana",
            "kind",
            "area",
            "is_collaboration_hub",
            "is_active",
            "liaisons",
        ]
        widgets = {"liaisons": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "liaisons" in self.fields:
            staff = User.objects.filter(agency_id=self.instance.pk, is_active=True)
            self.fields["liaisons"].queryset = staff if self.instance.pk else User.objects.none()

    def clean_liaisons(self):
        liaisons = self.cleaned_data["liaisons"]
        if any(user.agency_id != self.instance.pk for user in liaisons):
            raise ValidationError("連携担当者には、この機関の職員を選んでください。")
        return liaisons


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    form = AgencyAdminForm
    list_display = ["name", "kind", "area", "is_collaboration_hub", "is_active"]
    list_filter = ["kind", "area", "is_active"]
    search_fields = ["name", "name_kana"]


class UserAddForm(forms.ModelForm):
    """A new account without a password: the administrator never sets or learns one.
    The user sets their own through the one-time link shown after saving."""

    class Meta:
        model = User
        fields = ["username", "last_name", "first_name", "email", "agency", "groups"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields[
            "email"
        ].help_text = "パスワード設定用のリンクをここに送ります（庁内メールなど）。"


@admin.register(User)
class KasaneUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "last_name", "first_name", "agency", "roles", "is_active"]
    actions = ["unlock_account", "reset_credentials"]
    add_form = UserAddForm
    list_filter = ["agency", RoleListFilter, "is_active"]
    filter_horizontal = ()
    fieldsets = (
        (None, {"fields": ("username",)}),
        (
            "氏名・所属",
            {
                "fields": ("last_name", "first_name", "name_kana", "title", "agency", "email"),
                "description": "所属機関の変更は「職員」画面の人事異動で行います（閲覧権限の"
                "整理と各ケースへの記録を伴うため）。",
            },
        ),
        ("役割", {"fields": ("is_active", "is_staff", "groups")}),
        ("日時", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "last_name",
                    "first_name",
                    "email",
                    "agency",
                    "groups",
                ),
                "description": "パスワードは設定しません。保存すると、本人がパスワードを設定する"
                "ための1回限りのリンクを、本人のメールアドレスに送ります。",
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_readonly_fields(self, request, obj=None):
        # An agency change goes only through 人事異動 (staff_transfer), which ends the
        # user's own grants and says so on each case: never through this form.
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        readonly += ["agency", "last_login", "date_joined"]
        if obj.pk == request.user.pk:
            # Nobody edits their own roles or switches their own account off.
            readonly += ["groups", "is_active", "is_staff"]
        return readonly

    def user_change_password(self, request, id, form_url=""):
        """The administrator never sets a password: the account's one-time link is
        issued with 「パスワード・二要素認証を再設定」 instead."""
        raise PermissionDenied

    def save_model(self, request, obj, form, change):
        if not change:
            obj.set_unusable_password()
        # Kept on the object, not on this admin (one instance serves every request).
        obj._account_before = account_snapshot(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        account_change_record(
            actor=request.user, user=user, before=user._account_before, request=request
        )

    def response_add(self, request, obj, post_url_continue=None):
        try:
            password_set_link_send(request=request, user=obj)
        except ValidationError as exc:
            return self._sent_page(request, sent=[], refused=[(obj, exc.messages[0])])
        return self._sent_page(request, sent=[obj], refused=[])

    def _sent_page(self, request, *, sent, refused):
        context = {
            **self.admin_site.each_context(request),
            "sent": [(user, masked_email(user.email)) for user in sent],
            "refused": refused,
            "title": "パスワード設定用リンクの送信",
        }
        return TemplateResponse(request, "admin/agencies/user/password_links.html", context)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs.setdefault("form_class", RoleChoiceField)
            kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
            kwargs.setdefault("label", "役割")
            kwargs.setdefault("help_text", "この職員が担う役割（複数可）。")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="役割")
    def roles(self, obj: User) -> str:
        return roles_text(group.name for group in obj.groups.all())

    @admin.action(description="ロック解除", permissions=["change"])
    def unlock_account(self, request: HttpRequest, queryset) -> None:
        """Clear the failed-login lock of the chosen user names (django-axes); logged."""
        users = list(queryset)
        for user in users:
            account_unlock(actor=request.user, user=user, request=request)
        self.message_user(request, f"{len(users)}人のロックを解除しました。")

    @admin.action(
        description="パスワード・二要素認証を再設定（本人用のリンクを発行）",
        permissions=["change"],
    )
    def reset_credentials(self, request: HttpRequest, queryset):
        """A lost phone or a forgotten password: the account stops working until the
        user sets their own password through a one-time link and enrols TOTP again.
        Your own account is left out (change your password on your own page)."""
        sent, refused = [], []
        for user in queryset.exclude(pk=request.user.pk):
            try:
                credentials_reset(actor=request.user, user=user, request=request)
            except ValidationError as exc:
                refused.append((user, exc.messages[0]))
            else:
                sent.append(user)
        return self._sent_page(request, sent=sent, refused=refused)


# A cell that a spreadsheet would read as a formula (CSV injection) gets a leading
# apostrophe: 「= + - @」 in either width (Excel reads ＝ as =), also after leading
# spaces or tabs, and a cell starting with a tab or carriage return.
FORMULA_STARTS = frozenset("=+-@−")
_LEADING_BLANKS = " \t\r\n\u3000"


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    first = unicodedata.normalize("NFKC", text.lstrip(_LEADING_BLANKS)[:1])
    if text[:1] in ("\t", "\r") or first in FORMULA_STARTS:
        return f"'{text}"
    return text


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """The access log: list, filter, search and export — never add, change or delete
    (on PostgreSQL the database refuses that too)."""

    list_display = [
        "at",
        "username",
        "agency_name",
        "action",
        "object_type",
        "object_label",
        "status_code",
        "ip_address",
    ]
    list_filter = [
        "action",
        ("at", admin.DateFieldListFilter),
        ("user", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["username", "object_id", "object_label", "path", "ip_address"]
    date_hierarchy = "at"
    actions = ["export_csv"]
    show_full_result_count = False

    CSV_COLUMNS = [
        ("日時", lambda e: timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S")),
        ("ユーザー名", lambda e: e.username),
        ("所属機関（当時）", lambda e: e.agency_name),
        ("操作", lambda e: e.get_action_display()),
        ("対象の種類", lambda e: e.object_type),
        ("対象ID", lambda e: e.object_id),
        ("対象", lambda e: e.object_label),
        ("URL", lambda e: e.path),
        ("メソッド", lambda e: e.method),
        ("応答", lambda e: e.status_code),
        ("IPアドレス", lambda e: e.ip_address),
        ("詳細", lambda e: json.dumps(e.detail, ensure_ascii=False) if e.detail else ""),
    ]

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        # The admin role reads the log (issue: "the admin can list, filter and export
        # it"); its group holds no model permission for it, so the role decides.
        user = request.user
        is_admin_role = user.is_active and user.is_staff and user.has_role(Role.ADMIN)
        return is_admin_role or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="選択したアクセスログをCSVで出力", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        """UTF-8 with BOM so that Excel opens it; formula cells neutralised. The
        export of the log is itself an access-log event."""
        events = list(queryset.order_by("at", "id"))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow([title for title, _ in self.CSV_COLUMNS])
        for event in events:
            writer.writerow([csv_cell(value(event)) for _, value in self.CSV_COLUMNS])
        access_event_record(
            action=Action.EXPORT,
            request=request,
            object_type="agencies.accessevent",
            object_label="アクセスログ",
            rows=len(events),
        )
        return response


# django-otp registers its device models in the admin (imported above so that the
# registration has happened); there an administrator could
# read a user's TOTP key (QR code) and clone their second factor. Devices are only
# ever reset through the logged 「パスワード・二要素認証を再設定」 action above.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
