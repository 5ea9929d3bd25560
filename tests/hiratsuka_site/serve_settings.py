"""``make serve``'s settings for the servers of tests/hiratsuka_site/test_several_servers.py.

The production settings as they are (debug off, the page cache and the one-second hold of the
public change signal, sessions and lockouts in the database, the shared cache in Redis), except
that static files are served from the apps' folders, as in the test settings, instead of from a
``collectstatic`` run that would write into the checkout.
"""

from hiratsuka_site.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
