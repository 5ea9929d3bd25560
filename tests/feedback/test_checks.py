"""System checks of feedback (feedback/checks.py)."""

import pytest
from django.core import checks

from feedback.checks import check_database_ctype, ctype_is_utf8


@pytest.mark.parametrize(
    ("ctype", "expected"),
    [
        ("ja_JP.UTF-8", True),
        ("C.UTF-8", True),
        ("en_US.utf8", True),
        ("ja_JP.UTF-8@euro", True),
        ("C", False),
        ("POSIX", False),
        ("ja_JP.eucJP", False),
        ("", False),
    ],
)
def test_ctype_is_utf8(ctype, expected):
    assert ctype_is_utf8(ctype) is expected


@pytest.mark.django_db
def test_database_check_reports_nothing_on_this_database():
    # On PostgreSQL this reads the real database's datctype; SQLite has no locale to check.
    assert check_database_ctype(databases=["default"]) == []
    messages = checks.run_checks(databases=["default"], include_deployment_checks=False)
    assert [message.id for message in messages if message.id.startswith("feedback.")] == []
