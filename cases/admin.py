"""Only the master list of issue categories; case content never appears in the admin."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import IssueCategory


@admin.register(IssueCategory)
class IssueCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "report_group", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["report_group", "is_active"]
