"""The first system administrator of a new installation.

Not a Django superuser: the admin role manages users, agencies and master data and
sees no case content (DESIGN.md).
"""

import getpass
import os

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies.models import Agency, User
from agencies.roles import Role


class Command(BaseCommand):
    help = "最初のシステム管理者（admin 役割、スーパーユーザーではない）と所属機関を作成します。"

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--agency", required=True, help="所属機関名（なければ作成）")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--first-name", default="")

    def handle(self, *args, username, agency, last_name, first_name, **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"ユーザー名「{username}」はすでに使われています。")
        password = os.environ.get("KASANE_ADMIN_PASSWORD") or getpass.getpass("パスワード: ")
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        with transaction.atomic():
            home, _ = Agency.objects.get_or_create(
                name=agency, defaults={"kind": Agency.Kind.MUNICIPAL_DEPARTMENT}
            )
            user = User(
                username=username,
                agency=home,
                last_name=last_name,
                first_name=first_name,
                is_staff=True,
            )
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=Role.ADMIN))
        self.stdout.write(f"システム管理者「{username}」（{home}）を作成しました。")
