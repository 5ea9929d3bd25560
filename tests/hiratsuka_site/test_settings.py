"""Settings read the environment; production refuses to start without a secret key."""

from django.conf import settings

from tests.helpers import PROJECT, run_manage


def run_check(**env):
    return run_manage("check", **env)


def test_missing_secret_key_stops_production_start_with_clear_message():
    result = run_check(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY が設定されていません" in result.stderr


def test_production_starts_with_secret_key():
    result = run_check(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-long-random-secret-key-for-this-test-only-0123456789",
        DJANGO_ALLOWED_HOSTS="example.jp",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_mode_runs_without_secret_key():
    result = run_check(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_locale_and_time_zone():
    assert settings.LANGUAGE_CODE == "ja"
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.USE_TZ is True


PRINT_DATABASE = (
    "from django.conf import settings; d = settings.DATABASES['default'];"
    "print(d['ENGINE'], d['NAME'], d.get('HOST', ''))"
)


def test_database_defaults_to_sqlite_in_project_folder():
    result = run_manage("shell", "--no-imports", "-c", PRINT_DATABASE, DJANGO_DEBUG="1")
    assert result.stdout.split()[:2] == [
        "django.db.backends.sqlite3",
        str(PROJECT / "db.sqlite3"),
    ]


def test_database_follows_database_url():
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        PRINT_DATABASE,
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/hiratsuka",
    )
    assert result.stdout.split()[:3] == [
        "django.db.backends.postgresql",
        "hiratsuka",
        "127.0.0.1",
    ]


def test_management_commands_do_not_announce_axes():
    result = run_manage("check", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"
    assert result.stderr == ""
