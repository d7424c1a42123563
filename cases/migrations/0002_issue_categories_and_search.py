"""The starting master list of issue categories, and trigram search on PostgreSQL."""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

CATEGORIES = [
    ("高齢", "elderly"),
    ("障がい", "disability"),
    ("子ども・子育て", "child"),
    ("生活困窮", "poverty"),
    ("ひきこもり", "hikikomori"),
    ("8050", "hikikomori"),
    ("ダブルケア", "family"),
    ("ヤングケアラー", "child"),
    ("ゴミ屋敷", "housing"),
    ("虐待の疑い", "abuse"),
    ("DV", "abuse"),
    ("孤立", "isolation"),
    ("病気・健康", "health"),
    ("こころの問題", "health"),
    ("住まい", "housing"),
    ("債務・家計", "poverty"),
    ("仕事・就労", "poverty"),
    ("家族関係", "family"),
    ("不登校", "child"),
    ("その他", "other"),
]

TRIGRAM_INDEXES = [
    ("cases_person_kana_trgm", "cases_person", "kana_key"),
    ("cases_person_name_trgm", "cases_person", "name_key"),
]


def seed_categories(apps, schema_editor):
    IssueCategory = apps.get_model("cases", "IssueCategory")
    HistoricalIssueCategory = apps.get_model("cases", "HistoricalIssueCategory")
    for order, (name, group) in enumerate(CATEGORIES, start=1):
        category, created = IssueCategory.objects.get_or_create(
            name=name, defaults={"report_group": group, "sort_order": order * 10}
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
                history_change_reason="初期データ",
            )
    # The admin role maintains this list.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.get(name="admin")
    admin.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="cases", content_type__model="issuecategory"
        )
    )


def trigram_indexes(apps, schema_editor):
    # GIN trigram indexes make 部分一致 search fast on PostgreSQL; SQLite has none.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("agencies", "0002_roles"),
    ]

    operations = [
        migrations.RunPython(seed_categories, migrations.RunPython.noop),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes),
    ]
