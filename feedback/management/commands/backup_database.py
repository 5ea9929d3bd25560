import os
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections


def postgres_environment(settings_dict):
    """libpq variables for pg_dump/pg_restore, so no password appears on a command line."""
    env = dict(os.environ)
    for key, name in [
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ]:
        if settings_dict.get(key):
            env[name] = str(settings_dict[key])
    return env


class Command(BaseCommand):
    help = (
        "データベースをバックアップします。PostgreSQL は pg_dump -Fc（カスタム形式）、"
        "SQLite はオンラインバックアップ API（稼働中でも一貫した複製）で書き出します。"
    )

    def add_arguments(self, parser):
        parser.add_argument("output", help="書き出すファイル（既にあれば中止します）")
        parser.add_argument("--database", default="default")

    def handle(self, *args, output, database, **options):
        path = Path(output)
        if path.exists():
            raise CommandError(f"{path} は既にあります。別の名前を指定してください。")
        connection = connections[database]
        if connection.vendor == "postgresql":
            result = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--file", str(path)],
                env=postgres_environment(connection.settings_dict),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                path.unlink(missing_ok=True)
                raise CommandError(f"pg_dump が失敗しました: {result.stderr.strip()}")
        elif connection.vendor == "sqlite":
            # Never a copy of the live file: the backup API copies a consistent snapshot
            # even while the site writes to it.
            connection.ensure_connection()
            target = sqlite3.connect(path)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            raise CommandError(f"{connection.vendor} のバックアップには対応していません。")
        self.stdout.write(f"バックアップを書き出しました: {path}")
