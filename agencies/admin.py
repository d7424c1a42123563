"""Master data only. Case content is deliberately not registered in the admin."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, Area, User


@admin.register(Area)
class AreaAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "sort_order"]


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "area", "is_collaboration_hub", "is_active"]
    list_filter = ["kind", "area", "is_active"]
    search_fields = ["name", "name_kana"]


@admin.register(User)
class KasaneUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "last_name", "first_name", "agency", "is_active"]
    list_filter = ["agency", "groups", "is_active"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            "氏名・所属",
            {"fields": ("last_name", "first_name", "name_kana", "title", "agency", "email")},
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
                    "agency",
                    "groups",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
