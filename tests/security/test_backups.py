"""The backup drill: back up a database with 資料2, restore it into a fresh one, find every row.

Each database here is the test's own (SQLite files in a temporary folder; PostgreSQL databases
hiratsuka_backup_test_<pid>_src/_dst), made and dropped by the test, never the suite's.
"""

import json
import os
import stat
import subprocess

import pytest

from tests.helpers import PROJECT, run_manage

POSTGRES = "postgres://postgres@127.0.0.1:5432"
COUNT_ROWS = (
    "import json; from django.apps import apps; from feedback.models import Comment;"
    "print(json.dumps({'published_remarks': Comment.objects.published().count(),"
    "**{m._meta.label: m._default_manager.count() for m in apps.get_models()}}))"
)


def manage(*args, database_url):
    result = run_manage(*args, DJANGO_DEBUG="1", DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    return result.stdout


def row_counts(database_url):
    return json.loads(manage("shell", "--no-imports", "-c", COUNT_ROWS, database_url=database_url))


def seed(database_url):
    manage("migrate", "--noinput", database_url=database_url)
    manage("load_report_fixture", database_url=database_url)
    # Writes after the seed are in the backup too: the restore must hold the latest state.
    manage(
        "shell",
        "--no-imports",
        "-c",
        "from feedback.models import Committee;Committee.objects.create(name='バックアップ確認会')",
        database_url=database_url,
    )


def assert_same_records(source_url, target_url):
    source, target = row_counts(source_url), row_counts(target_url)
    assert source["published_remarks"] == 7
    assert source["feedback.Report"] == 1
    assert source["feedback.Committee"] == 2
    assert target == source


def test_sqlite_backup_restores_every_record(tmp_path):
    source = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    seed(source)
    manage("backup_database", str(tmp_path / "backup.sqlite3"), database_url=source)
    manage("restore_database", str(tmp_path / "backup.sqlite3"), database_url=target)
    assert_same_records(source, target)


def test_restore_refuses_a_database_with_data(tmp_path):
    source = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    seed(source)
    manage("backup_database", str(tmp_path / "backup.sqlite3"), database_url=source)
    result = run_manage(
        "restore_database", str(tmp_path / "backup.sqlite3"), DJANGO_DEBUG="1", DATABASE_URL=source
    )
    assert result.returncode != 0
    assert "復元先のデータベースが空ではありません" in result.stderr


def psql(command):
    subprocess.run(
        ["psql", f"{POSTGRES}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", command],
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def postgres_databases():
    # Named per process: suites of several worktrees may share one PostgreSQL server.
    names = [f"hiratsuka_backup_test_{os.getpid()}_{role}" for role in ("src", "dst")]
    for name in names:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql(f"CREATE DATABASE {name}")
    yield [f"{POSTGRES}/{name}" for name in names]
    for name in names:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def permissions(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_postgresql_pg_dump_restores_every_record(tmp_path, postgres_databases):
    source, target = postgres_databases
    seed(source)
    backup = tmp_path / "backups" / "backup.dump"
    manage("backup_database", str(backup), database_url=source)
    assert backup.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert permissions(backup) == 0o600
    assert permissions(backup.parent) == 0o700
    manage("restore_database", str(backup), database_url=target)
    assert_same_records(source, target)


# -- the make targets, as `make serve`'s trial leaves the machine (issue 10.11) ------------------


def make(*args, **env):
    """``make`` in the project folder with none of the caller's DJANGO_* or DATABASE_URL."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL"))
    }
    environment.update(env)
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_backup_and_restore_use_the_trial_secret_key_and_keep_the_dump_private(tmp_path):
    """Only .secret-key (what `make serve` makes without DJANGO_SECRET_KEY), debug off: the
    backup is written 0600 in a new 0700 folder and restores every record."""
    source = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    seed(source)
    key_file = tmp_path / ".secret-key"
    key_file.write_text("a-long-random-trial-key-for-this-test-only-0123456789-abcdef\n")
    backup = tmp_path / "backups" / "drill.dump"

    made = make("backup", f"BACKUP={backup}", f"SECRET_KEY_FILE={key_file}", DATABASE_URL=source)

    assert made.returncode == 0, made.stderr
    assert made.stdout == f"バックアップを書き出しました: {backup}\n"
    assert permissions(backup) == 0o600
    assert permissions(backup.parent) == 0o700

    restored = make("restore", f"FROM={backup}", f"SECRET_KEY_FILE={key_file}", DATABASE_URL=target)

    assert restored.returncode == 0, restored.stderr
    assert restored.stdout == f"復元しました: {backup}\n"
    assert_same_records(source, target)


def test_make_backup_without_any_secret_key_says_what_is_missing(tmp_path):
    backup = tmp_path / "backups" / "drill.dump"

    made = make(
        "backup",
        f"BACKUP={backup}",
        f"SECRET_KEY_FILE={tmp_path / 'no-such-key'}",
        DATABASE_URL=f"sqlite:///{tmp_path / 'live.sqlite3'}",
    )

    assert made.returncode != 0
    assert "秘密鍵がありません。環境変数 DJANGO_SECRET_KEY を設定してください" in made.stderr
    assert "Traceback" not in made.stderr
    assert not backup.parent.exists()


def test_backup_refuses_to_overwrite_and_leaves_the_file_alone(tmp_path):
    source = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    manage("migrate", "--noinput", database_url=source)
    existing = tmp_path / "backup.sqlite3"
    existing.write_bytes(b"earlier backup")

    result = run_manage("backup_database", str(existing), DJANGO_DEBUG="1", DATABASE_URL=source)

    assert result.returncode != 0
    assert f"{existing} は既にあります。別の名前を指定してください。" in result.stderr
    assert existing.read_bytes() == b"earlier backup"
