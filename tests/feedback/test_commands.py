import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from feedback.models import Comment, Report

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_create_local_admin_prints_a_working_password_once():
    out = StringIO()
    call_command("create_local_admin", stdout=out)
    password = re.search(r"パスワード: (\S+)", out.getvalue())[1]
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password(password)
    assert len(password) >= 16

    again = StringIO()
    call_command("create_local_admin", stdout=again)
    assert again.getvalue().strip() == "管理者アカウントは作成済みです。"
    assert get_user_model().objects.count() == 1


@override_settings(DEBUG=False)
def test_create_local_admin_refuses_production():
    with pytest.raises(CommandError, match="本番モードでは既定の管理者を作成しません"):
        call_command("create_local_admin")
    assert not get_user_model().objects.exists()


def test_load_report_fixture_draft_option_keeps_it_private():
    call_command("load_report_fixture", "--draft", verbosity=0)
    assert Report.objects.get().is_published is False
    assert Comment.objects.published().count() == 0


def test_load_report_fixture_reports_unreadable_file(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="フィクスチャを読めません"):
        call_command("load_report_fixture", str(broken))
    assert not Report.objects.exists()
