import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from feedback.management.commands.backup_database import postgres_environment


class Command(BaseCommand):
    help = (
        "backup_database で書き出したバックアップを、空のデータベース（DATABASE_URL で指定）へ"
        "復元します。データのあるデータベースへは復元しません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="backup_database が書き出したファイル")
        parser.add_argument("--database", default="default")

    def handle(self, *args, backup, database, **options):
        path = Path(backup)
        if not path.is_file():
            raise CommandError(f"バックアップ {path} がありません。")
        connection = connections[database]
        if connection.introspection.table_names():
            raise CommandError(
                "復元先のデータベースが空ではありません。新しいデータベースを作って、"
                "DATABASE_URL でそれを指定してください。"
            )
        if connection.vendor == "postgresql":
            connection.close()
            result = subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    "--dbname",
                    connection.settings_dict["NAME"],
                    str(path),
                ],
                env=postgres_environment(connection.settings_dict),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise CommandError(f"pg_restore が失敗しました: {result.stderr.strip()}")
        elif connection.vendor == "sqlite":
            connection.ensure_connection()
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
        else:
            raise CommandError(f"{connection.vendor} の復元には対応していません。")
        self.stdout.write(f"復元しました: {path}")
