"""The production settings, as `make bench` runs them: DEBUG off, whitenoise, gunicorn.

Only what a benchmark needs differs: a secret key of its own, the host names it calls, and a
static folder of its own (the baseline HTML file is served from it, apart from `make serve`'s).
The load generator sends ``X-Forwarded-Proto: https`` like the TLS proxy in front of production,
so the HTTPS redirect stays on.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-never-used-in-production-0123")
os.environ["DJANGO_DEBUG"] = "0"

from hiratsuka_site.settings import *  # noqa: F403
from hiratsuka_site.settings import BASE_DIR

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
STATIC_ROOT = BASE_DIR / "bench" / ".data" / "staticfiles"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
