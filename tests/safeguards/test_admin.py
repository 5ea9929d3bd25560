"""No English in the admin menu, nor in the permission choices of the user and group pages."""

import re

import pytest
from django.contrib.auth import get_user_model

from feedback.permissions import ADMINISTRATOR
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

AXES_ENGLISH = ["Axes", "Access attempts", "Access failures", "Access logs"]
OPTION = re.compile(r'<option value="\d+"[^>]*>([^<]*)</option>')


def admin_menu(client, user):
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_admin_menu_of_a_system_administrator_has_no_english(client):
    body = admin_menu(client, staff_user(ADMINISTRATOR, username="kanrisha"))
    assert "ユーザー" in body
    for heading in AXES_ENGLISH:
        assert f">{heading}<" not in body


def test_admin_menu_of_a_superuser_names_the_lockout_records_in_japanese(client):
    superuser = get_user_model().objects.create_superuser("admin", password="x" * 16)
    body = admin_menu(client, superuser)
    for heading in AXES_ENGLISH:
        assert f">{heading}<" not in body
    assert '<a href="/admin/axes/" class="section"' in body
    assert ">ログイン制限</a>" in body
    assert '<a href="/admin/axes/accessattempt/">ログイン試行</a>' in body
    assert '<a href="/admin/axes/accessfailurelog/">ログイン失敗</a>' in body
    assert '<a href="/admin/axes/accesslog/">ログイン記録</a>' in body


def permission_choices(client, path):
    client.force_login(staff_user(ADMINISTRATOR, username="kanrisha"))
    response = client.get(path)
    assert response.status_code == 200
    return OPTION.findall(response.content.decode())


def test_user_page_lists_permissions_in_japanese(client):
    user = staff_user(username="shokuin")
    choices = permission_choices(client, f"/admin/auth/user/{user.pk}/change/")
    assert "Can add log entry" not in " ".join(choices)
    assert [label for label in choices if re.search("Can |historical|access", label)] == []
    assert "管理 | ログエントリー | ログエントリーを追加できる" in choices
    assert "委員会の意見と市の考え方 | 意見 | 意見を変更できる" in choices
    assert "委員会の意見と市の考え方 | 意見の履歴 | 意見の履歴を閲覧できる" in choices
    assert "ログイン制限 | ログイン試行 | ログイン試行を削除できる" in choices
    assert "委員会の意見と市の考え方 | 資料 | 資料を公開・非公開にできる" in choices


def test_group_page_lists_permissions_in_japanese(client):
    choices = permission_choices(client, "/admin/auth/group/add/")
    assert [label for label in choices if re.search("Can |historical|access", label)] == []
    assert "認証と認可 | ユーザー | ユーザーを追加できる" in choices
    assert "政策・計画 | 対象項目 | 対象項目を削除できる" in choices
