"""After `make run`, `python manage.py …` works as the README writes it; production stays strict.

Each test works on a copy of the project in a temporary folder, so a `.env.local` that `make run`
wrote in this checkout plays no part, and runs manage.py with no DJANGO_* variable at all.
"""

import shutil
import stat
import subprocess
import sys

import pytest

from tests.hiratsuka_site.live import PROJECT, clean_environment

STRICT = "DJANGO_SECRET_KEY が設定されていません"
IGNORED = shutil.ignore_patterns(
    ".venv", ".git", "db.sqlite3*", ".env.local", ".secret-key", "staticfiles", "backups",
    "__pycache__", ".pytest_cache", ".ruff_cache", ".data", "tests", "bench",
)  # fmt: skip


@pytest.fixture
def checkout(tmp_path):
    copy = tmp_path / "checkout"
    shutil.copytree(PROJECT, copy, ignore=IGNORED)
    return copy


def manage(checkout, *args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=checkout,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def write_local_env(checkout):
    """The file as `make run` writes it: its own rule, with this checkout's virtualenv."""
    subprocess.run(
        ["make", "--no-print-directory", "-C", str(checkout), ".env.local", f"VENV={sys.prefix}"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return checkout / ".env.local"


PRINT_MODE = "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"


def test_manage_py_stops_with_the_japanese_message_before_make_run(checkout):
    result = manage(checkout, "check")
    assert result.returncode == 1
    assert STRICT in result.stderr
    assert "make run" in result.stderr


def test_manage_py_works_after_make_run_wrote_the_local_settings(checkout):
    local_env = write_local_env(checkout)
    assert stat.S_IMODE(local_env.stat().st_mode) == 0o600
    lines = [line for line in local_env.read_text().splitlines() if not line.startswith("#")]
    assert lines[0] == "DJANGO_DEBUG=1"
    name, key = lines[1].split("=", 1)
    assert name == "DJANGO_SECRET_KEY"
    assert len(key) >= 50
    assert len(lines) == 2

    result = manage(checkout, "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"
    result = manage(checkout, "shell", "--no-imports", "-c", PRINT_MODE)
    assert result.stdout.split() == ["True", key]

    # A second `make run` keeps the file, and the key with it (sessions survive).
    write_local_env(checkout)
    assert local_env.read_text().splitlines()[-1] == f"DJANGO_SECRET_KEY={key}"


def test_the_environment_wins_over_the_local_settings(checkout):
    write_local_env(checkout)
    result = manage(
        checkout, "shell", "--no-imports", "-c", PRINT_MODE, DJANGO_SECRET_KEY="from-environment"
    )
    assert result.stdout.split() == ["True", "from-environment"]


def test_production_ignores_the_local_settings(checkout):
    """An explicit DJANGO_DEBUG (make serve, production) puts the environment in charge."""
    write_local_env(checkout)
    result = manage(checkout, "check", DJANGO_DEBUG="0")
    assert result.returncode == 1
    assert STRICT in result.stderr
