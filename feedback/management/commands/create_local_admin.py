import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "ローカル環境用の管理者アカウント（admin）を作成し、ランダムなパスワードを一度だけ表示します。"
        "管理者が既にいれば何もしません。本番モード（DEBUG 無効）では実行できません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError(
                "本番モードでは既定の管理者を作成しません。createsuperuser を使ってください。"
            )
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("管理者アカウントは作成済みです。")
            return
        password = secrets.token_urlsafe(15)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"管理者アカウントを作成しました。ユーザー名: {username}  パスワード: {password}\n"
                "このパスワードは二度と表示されません。控えておいてください。"
            )
        )
