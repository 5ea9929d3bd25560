"""Production settings, loaded in a subprocess with DJANGO_DEBUG=0 as `make serve` runs them."""

import json

import redis

from tests.helpers import run_manage

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-long-random-secret-key-for-this-test-only-0123456789-abcdefghij",
    "DJANGO_ALLOWED_HOSTS": "iken.example.jp",
}

PRINT_SECURITY = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'ssl_redirect': s.SECURE_SSL_REDIRECT, 'proxy_header': s.SECURE_PROXY_SSL_HEADER,"
    "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
    "'session_name': s.SESSION_COOKIE_NAME, 'hsts': s.SECURE_HSTS_SECONDS,"
    "'cache': s.CACHES['default']['BACKEND'], 'tmp': s.IMPORT_EXPORT_TMP_STORAGE_CLASS,"
    "'shared_pages': s.CACHES['shared_pages']['BACKEND'],"
    "'static': s.STORAGES['staticfiles']['BACKEND']}))"
)


def settings_under(**env):
    result = run_manage("shell", "--no-imports", "-c", PRINT_SECURITY, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_in_production():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_values():
    assert settings_under(**PRODUCTION) == {
        "ssl_redirect": True,
        "proxy_header": ["HTTP_X_FORWARDED_PROTO", "https"],
        "session_secure": True,
        "csrf_secure": True,
        "session_name": "__Host-sessionid",
        "hsts": 31536000,
        "cache": "django.core.cache.backends.db.DatabaseCache",
        "tmp": "feedback.admin_import.PreviewStorage",
        # The rendered pages every worker of this machine reads (publication.cache.PageCache).
        "shared_pages": "django.core.cache.backends.filebased.FileBasedCache",
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    }


def test_debug_mode_works_over_plain_http():
    values = settings_under(DJANGO_DEBUG="1")
    assert values["ssl_redirect"] is False
    assert values["proxy_header"] is None
    assert values["session_secure"] is False
    assert values["csrf_secure"] is False
    assert values["session_name"] == "sessionid"


def test_redis_cache_when_redis_url_is_set():
    """The cache, and with it the import preview's file and the rendered pages, goes to the
    shared Redis."""
    store = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    store.delete(":1:hiratsuka-test-key")
    try:
        result = run_manage(
            "shell",
            "--no-imports",
            "-c",
            "from django.core.cache import caches; cache = caches['default'];"
            "cache.set('hiratsuka-test-key', 'あ', 60);"
            "print(type(cache).__name__, cache.get('hiratsuka-test-key'),"
            " type(caches['shared_pages']).__name__)",
            REDIS_URL="redis://127.0.0.1:6379/15",
            **PRODUCTION,
        )
        assert result.returncode == 0, result.stderr
        # The rendered pages too, for every server.
        assert result.stdout.split()[-3:] == ["RedisCache", "あ", "RedisCache"]
        assert store.exists("hiratsuka:1:hiratsuka-test-key") == 1
    finally:
        store.delete("hiratsuka:1:hiratsuka-test-key")
        store.close()
