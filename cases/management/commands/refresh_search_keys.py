from django.core.management.base import BaseCommand, CommandError

from agencies.models import User
from cases.tasks import search_keys_refresh_task


class Command(BaseCommand):
    help = "氏名・ふりがな・電話・住所の検索キーを再計算します（正規化の規則を更新した後に実行）。"

    def add_arguments(self, parser):
        parser.add_argument("--actor", required=True, help="実行者として記録する職員のユーザー名")

    def handle(self, *args, actor: str, **options):
        try:
            user = User.objects.get(username=actor, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"職員「{actor}」が見つかりません。") from exc
        result = search_keys_refresh_task.delay(actor_id=user.pk)
        if result.ready():
            self.stdout.write(f"{result.get()} 件の検索キーを更新しました。")
        else:
            self.stdout.write(f"Celery ワーカーで実行します（タスクID: {result.id}）。")
