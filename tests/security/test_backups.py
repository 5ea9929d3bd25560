"""The backup drill: back up a database with 資料2, restore it into a fresh one, find every row.

Each database here is the test's own (SQLite files in a temporary folder; PostgreSQL databases
hiratsuka_backup_test_<pid>_src/_dst), made and dropped by the test, never the suite's.
"""

import json
import os
import subprocess

import pytest

from tests.hiratsuka_site.test_settings import run_manage

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
    # This run's own names: several checkouts share the PostgreSQL server, and another run's
    # fixture would drop the same databases under this one.
    names = [f"hiratsuka_backup_test_{os.getpid()}_{end}" for end in ("src", "dst")]
    for name in names:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql(f"CREATE DATABASE {name}")
    yield [f"{POSTGRES}/{name}" for name in names]
    for name in names:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_postgresql_pg_dump_restores_every_record(tmp_path, postgres_databases):
    source, target = postgres_databases
    seed(source)
    manage("backup_database", str(tmp_path / "backup.dump"), database_url=source)
    assert (tmp_path / "backup.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    manage("restore_database", str(tmp_path / "backup.dump"), database_url=target)
    assert_same_records(source, target)
