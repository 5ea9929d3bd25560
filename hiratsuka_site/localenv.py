"""The local set-up's settings file, ``.env.local``, which ``make run`` writes once.

It holds ``DJANGO_DEBUG=1`` and a generated ``DJANGO_SECRET_KEY`` (mode 0600, git-ignored), so
``python manage.py …`` works on a developer's machine as written, without exporting anything.
It is read only when the environment does not set ``DJANGO_DEBUG``: an explicit value means the
environment is in charge (``make serve``, production, the test suite), and production, which
has no such file, stays strict. A variable set in the environment always wins over the file.
"""

import os
import re

from django.core.exceptions import ImproperlyConfigured

FILE_NAME = ".env.local"
_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def read(path):
    """The ``NAME=value`` pairs of ``path`` (blank lines and ``#`` comments skipped)."""
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ImproperlyConfigured(f"{path} の {number} 行目は「名前=値」の形ではありません。")
        values[match[1]] = match[2]
    return values


def load(base_dir):
    """Put the values of ``base_dir/.env.local`` into ``os.environ`` where it has none.

    Returns the names it set (none when there is no file or ``DJANGO_DEBUG`` is set).
    """
    path = base_dir / FILE_NAME
    if "DJANGO_DEBUG" in os.environ or not path.is_file():
        return []
    loaded = []
    for name, value in read(path).items():
        if name not in os.environ:
            os.environ[name] = value
            loaded.append(name)
    return loaded
