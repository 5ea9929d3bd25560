"""Two app servers on one PostgreSQL and one Redis agree (docs/deploy.md, 「Several app servers」).

Two gunicorn servers, as ``make serve`` starts them (debug off, two worker processes each, the
same ``DATABASE_URL``, ``REDIS_URL`` and secret key), stand for two machines behind the proxy.
One visitor's cookies go to either, as the proxy would send them. The database is the test's own
(hiratsuka_servers_test_<pid>, made and dropped here) on the PostgreSQL server at 127.0.0.1:5432;
the cache is Redis database 14 at 127.0.0.1:6379, as CI has them.
"""

import os
import subprocess
import time

import pytest
import redis

from tests.helpers import pasted_source_rows
from tests.hiratsuka_site.live import Browser, Server, clean_environment, form_fields, manage

POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/14"
PASSWORD = "several-servers-password-0123"
# How long a process may keep the public change signal it read (settings.PUBLIC_STAMP_TTL,
# given to the servers as is): a change made on one server shows on the other after it.
STAMP_HOLD = 1
SETUP = f"""
from django.contrib.auth import get_user_model
from feedback.models import Comment, Meeting, Report
User = get_user_model()
for name in ('kanri', 'tanaka'):
    User.objects.create_superuser(name, password='{PASSWORD}')
report = Report.objects.get(label='資料2')
# Rows 1-3 come back through the paste import below.
for comment in Comment.objects.filter(number__lte=3):
    comment.report_entries.all().delete()
    comment.delete()
print(report.pk, Meeting.objects.get().pk)
"""
DRAFTS_OF_MEETING = (
    "from feedback.models import Comment;"
    "print(list(Comment.objects.filter(meeting_id={meeting}).order_by('number')"
    ".values_list('number', 'status')))"
)


def psql(command):
    subprocess.run(
        ["psql", f"{POSTGRES}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", command],
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def servers():
    """``(A, B, env, report pk, meeting pk, Redis)``: 資料2 as a draft without rows 1-3,
    two superusers."""
    # Named per process: suites of several worktrees may share one PostgreSQL server.
    name = f"hiratsuka_servers_test_{os.getpid()}"
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(f"CREATE DATABASE {name}")
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    env = clean_environment(
        DJANGO_SETTINGS_MODULE="tests.hiratsuka_site.serve_settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="several-servers-test-secret-key-0123456789-abcdefghijklmnop",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        # TLS ends at the proxy; here the test speaks plain http to the servers themselves.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DATABASE_URL=f"{POSTGRES}/{name}",
        REDIS_URL=REDIS_URL,
        PUBLIC_STAMP_TTL=str(STAMP_HOLD),
    )
    started = []
    try:
        manage("migrate", "--noinput", env=env)
        manage("load_report_fixture", "--draft", env=env)
        report, meeting = map(
            int, manage("shell", "--no-imports", "-c", SETUP, env=env).stdout.split()
        )
        started.append(Server(env, workers=2))
        started.append(Server(env, workers=2))
        yield started[0], started[1], env, report, meeting, store
    finally:
        for server in started:
            server.stop()
        store.flushdb()
        store.close()
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_two_servers_share_sessions_publication_import_preview_and_lockout(servers):
    a, b, env, report, meeting, store = servers
    staff_on_a = Browser(a.url)
    staff_on_a.login("kanri", PASSWORD)
    staff_on_b = staff_on_a.at(b.url)
    reader_on_b = Browser(b.url)

    # A staff session made on A works on B.
    status, page = staff_on_b.request("/admin/")
    assert status == 200
    assert "kanri" in page

    # B has read the signal and kept its list page from before the publication.
    for _ in range(2):
        status, page = reader_on_b.request("/")
        assert status == 200
        assert f'href="/reports/{report}/"' not in page
    assert reader_on_b.request(f"/reports/{report}/")[0] == 404

    # The approver opens 「公開前の確認」 on A and publishes it through B (the signed form).
    publish = f"/admin/feedback/report/{report}/publish/"
    status, page = staff_on_a.request(publish)
    assert status == 200
    fields = form_fields(page, action=publish)
    assert [name for name, _value in fields] == ["csrfmiddlewaretoken", f"reviewed-{report}"]
    status, _ = staff_on_b.request(publish, fields)
    assert status == 302

    # Shown by A at once, and by B once its hold of the signal has run out.
    assert f'href="/reports/{report}/"' in Browser(a.url).request("/")[1]
    time.sleep(STAMP_HOLD)
    status, page = reader_on_b.request("/")
    assert f'href="/reports/{report}/"' in page
    status, page = reader_on_b.request(f"/reports/{report}/")
    assert status == 200
    assert page.count('<tr id="comment-') == 4

    # An import preview made on A (rows 1-3 pasted) is confirmed on B.
    paste = f"/admin/feedback/meeting/{meeting}/paste/"
    form = [(k, v) for k, v in form_fields(staff_on_a.request(paste)[1]) if k != "text"]
    status, page = staff_on_a.request(paste, [*form, ("text", pasted_source_rows())])
    assert status == 200
    assert "確認（3件新規、0件変更、0件変更なし）" in page
    # The pages read so far wait in Redis for every worker of both servers.
    assert list(store.scan_iter("hiratsuka-pages-*"))
    # The pasted file waits in Redis, not in either server.
    assert len(list(store.scan_iter("hiratsuka:*"))) == 1
    status, _ = staff_on_b.request(
        "/admin/feedback/comment/process_import/", form_fields(page, action="process_import")
    )
    assert status == 302
    assert list(store.scan_iter("hiratsuka:*")) == []  # removed once confirmed
    drafts = manage(
        "shell", "--no-imports", "-c", DRAFTS_OF_MEETING.format(meeting=meeting), env=env
    ).stdout
    assert drafts.strip() == str(
        [(1, "draft"), (2, "draft"), (3, "draft")]
        + [(number, "published") for number in range(4, 8)]
    )

    # Five failed logins on A lock the account (at that address) out of B too.
    intruder_on_a = Browser(a.url)
    statuses = [log_in(intruder_on_a, "tanaka", "wrong-password")[0] for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    status, page = log_in(Browser(b.url), "tanaka", PASSWORD)
    assert status == 429
    assert "ログインが一時的に制限されています" in page


def log_in(browser, username, password):
    """``(status, page)`` of the login form posted as a browser posts it."""
    _status, page = browser.request("/admin/login/")
    form = [(k, v) for k, v in form_fields(page) if k not in {"username", "password"}]
    return browser.request(
        "/admin/login/?next=/admin/", [*form, ("username", username), ("password", password)]
    )
