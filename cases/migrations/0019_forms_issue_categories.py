"""The 相談受付・申込票's own list of ご相談の内容 (FORMS.md), added to the editable master:
staff find the words of the form they know. Existing entries stay (a city may use both)."""

from django.db import migrations
from django.utils import timezone

FORMS_CATEGORIES = [
    ("病気や健康、障害", "health"),
    ("収入・生活費", "poverty"),
    ("家賃やローンの支払い", "poverty"),
    ("税金や公共料金等の支払い", "poverty"),
    ("債務", "poverty"),
    ("仕事探し、就職", "poverty"),
    ("仕事上の不安やトラブル", "poverty"),
    ("地域との関係", "isolation"),
    ("家族との関係", "family"),
    ("子育て", "child"),
    ("介護", "elderly"),
    ("ひきこもり・不登校", "hikikomori"),
    ("DV・虐待", "abuse"),
    ("食べるものがない", "poverty"),
]


def add_forms_categories(apps, schema_editor):
    IssueCategory = apps.get_model("cases", "IssueCategory")
    HistoricalIssueCategory = apps.get_model("cases", "HistoricalIssueCategory")
    for order, (name, group) in enumerate(FORMS_CATEGORIES, start=1):
        category, created = IssueCategory.objects.get_or_create(
            name=name, defaults={"report_group": group, "sort_order": 500 + order * 10}
        )
        if created:
            HistoricalIssueCategory.objects.create(
                id=category.id,
                name=name,
                report_group=group,
                sort_order=category.sort_order,
                is_active=True,
                history_type="+",
                history_date=timezone.now(),
                history_change_reason="相談受付・申込票の区分",
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0018_person_email")]

    operations = [migrations.RunPython(add_forms_categories, migrations.RunPython.noop)]
