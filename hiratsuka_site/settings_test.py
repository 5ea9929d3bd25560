"""Settings for the test suite: the real settings with a fast password hasher."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
# The production values, whether or not `make run` has written .env.local (DEBUG on) here.
os.environ.setdefault("DJANGO_DEBUG", "0")

from hiratsuka_site.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the apps' folders, as in development: no collectstatic before tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The test client speaks plain http; the production value is tested in a subprocess
# (tests/security/test_settings_production.py). Every other security setting is the real one.
SECURE_SSL_REDIRECT = False
# Read the public change signal on every request, so query counts in tests are exact; the
# one-second hold is tested on its own (tests/publication/test_stamp.py).
PUBLIC_STAMP_TTL = 0
# The pages every worker shares: in this process's memory too (apart from "pages"), so a test
# can empty one level and not the other, and no run leaves files behind.
CACHES["shared_pages"] = {  # noqa: F405
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "public-pages-shared",
    "TIMEOUT": 10 * 60,
}
# SQLite tests use a file, as `make run` does, not a shared-cache memory database: tests with
# several real connections (two concurrent transactions) then see SQLite's real locking.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per run, so two runs in one checkout never share (or delete) each other's.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")  # noqa: F405
    }
