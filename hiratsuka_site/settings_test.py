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
