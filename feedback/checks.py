"""System checks (``manage.py check``) for the database the search relies on."""

from django.core.checks import Warning as CheckWarning
from django.core.checks import register
from django.db import connections

UTF8_NAMES = {"utf8", "utf-8"}


def ctype_is_utf8(ctype):
    """Whether a PostgreSQL ``LC_CTYPE`` (「ja_JP.UTF-8」, 「C.UTF-8」, 「C」) is a UTF-8 locale."""
    _language, _dot, encoding = (ctype or "").partition(".")
    return encoding.split("@")[0].lower() in UTF8_NAMES


@register("database")
def check_database_ctype(app_configs=None, databases=None, **kwargs):
    """feedback.W001: a PostgreSQL database whose LC_CTYPE is not UTF-8.

    Under such a locale ``upper()``/``lower()`` and ``ILIKE`` (the admin's search), and any
    text-search parsing, treat Japanese characters as bytes of no class; the public search is
    folded in Python and indexed without a parser, but the admin's and exports' comparisons are
    not. Create the database with ``--locale=C.UTF-8`` (or ja_JP.UTF-8).
    """
    messages = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
            (ctype,) = cursor.fetchone()
        if not ctype_is_utf8(ctype):
            messages.append(
                CheckWarning(
                    f"データベース「{connection.settings_dict['NAME']}」の LC_CTYPE が "
                    f"UTF-8 ではありません（{ctype}）。",
                    hint="日本語の大文字・小文字の比較と管理画面の検索が正しく動きません。"
                    "--locale=C.UTF-8 などで作り直してください。",
                    obj=alias,
                    id="feedback.W001",
                )
            )
    return messages
