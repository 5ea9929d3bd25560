import os
import sqlite3
import stat
import subprocess
from contextlib import contextmanager
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
        connection = connections[database]
        if connection.vendor not in ("postgresql", "sqlite"):
            raise CommandError(f"{connection.vendor} のバックアップには対応していません。")
        with self._private_file(path) as handle:
            try:
                if connection.vendor == "postgresql":
                    self._pg_dump(connection, handle)
                else:
                    self._sqlite_backup(connection, path)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
        self.stdout.write(f"バックアップを書き出しました: {path}")

    @contextmanager
    def _private_file(self, path):
        """The new backup file, readable by its owner only from the moment it exists.

        The dump holds password hashes and sessions: the file is created 0600 (never chmod-ed
        afterwards) and missing folders 0700. An existing folder is left as it is, with a
        warning when others may list it.
        """
        missing = [folder for folder in [path.parent, *path.parent.parents] if not folder.exists()]
        for folder in reversed(missing):
            folder.mkdir(mode=0o700)
        mode = stat.S_IMODE(path.parent.stat().st_mode)
        if mode & 0o077 and not missing:
            self.stderr.write(
                f"注意: フォルダー {path.parent} は他のユーザーも開けます（{mode:o}）。"
                "バックアップ自体は所有者だけが読めるように作ります。"
            )
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as error:
            raise CommandError(f"{path} は既にあります。別の名前を指定してください。") from error
        with os.fdopen(descriptor, "wb") as handle:
            yield handle

    def _pg_dump(self, connection, handle):
        # pg_dump writes to our file (its standard output), so it never creates one itself.
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner"],
            env=postgres_environment(connection.settings_dict),
            stdout=handle,
            stderr=subprocess.PIPE,
            text=True,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_dump が失敗しました: {result.stderr.strip()}")

    def _sqlite_backup(self, connection, path):
        # Never a copy of the live file: the backup API copies a consistent snapshot even
        # while the site writes to it, into the (empty, private) file made for it.
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
