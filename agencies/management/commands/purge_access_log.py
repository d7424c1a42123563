"""Delete access-log rows older than the retention period — the only deletion the log
allows, in one transaction that records itself (agencies.audit.access_events_purge)."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from agencies.audit import access_events_purge
from agencies.models import AccessEvent


class Command(BaseCommand):
    help = (
        "保存期間（KASANE_ACCESS_LOG_RETENTION_DAYS）を過ぎたアクセスログを削除します。"
        "削除したこと自体もアクセスログに記録されます。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="削除せず、対象の件数だけを表示します。"
        )

    def handle(self, *args, dry_run: bool = False, **options):
        days = settings.KASANE_ACCESS_LOG_RETENTION_DAYS
        cutoff = timezone.now() - dt.timedelta(days=days)
        shown = timezone.localtime(cutoff).strftime("%Y-%m-%d %H:%M")
        if dry_run:
            count = AccessEvent.objects.filter(at__lt=cutoff).count()
            self.stdout.write(
                f"保存期間 {days} 日：{shown} より前のアクセスログ {count} 件が削除の対象です"
                "（--dry-run のため削除していません）。"
            )
            return
        deleted = access_events_purge(before=cutoff, actor_name="purge_access_log")
        self.stdout.write(
            f"保存期間 {days} 日：{shown} より前のアクセスログ {deleted} 件を削除しました。"
            "この削除はアクセスログに記録しました。"
        )
