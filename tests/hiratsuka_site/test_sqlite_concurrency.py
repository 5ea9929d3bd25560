"""The embedded SQLite database under overlapping requests: no 「database is locked」, no lost save.

A staff member saves a remark while the admin's autocomplete lists members (Select2 asks as
the list opens and on each keystroke): two connections at once. A real server (runserver,
threaded, as ``make run``) on a file database, and real threads, because the test client runs
every request in the test's own connection.
"""

import json
import threading
import urllib.parse

import pytest

from tests.hiratsuka_site.live import Browser, Server, clean_environment, form_fields, manage

PASSWORD = "concurrency-test-password-0123"
SAVERS = 4
SAVES_EACH = 3
AUTOCOMPLETERS = 4
AUTOCOMPLETE = "/admin/autocomplete/?" + urllib.parse.urlencode(
    {"app_label": "feedback", "model_name": "comment", "field_name": "member", "term": ""}
)


@pytest.fixture
def sqlite_server(tmp_path):
    env = clean_environment(
        DJANGO_DEBUG="1",
        DJANGO_SECRET_KEY="concurrency-test-secret-key-0123456789-abcdefghijklmnop",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    manage("migrate", "--noinput", env=env)
    manage("createcachetable", env=env)
    manage("load_report_fixture", env=env)
    created = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.auth import get_user_model;"
        "from feedback.models import Comment;"
        f"get_user_model().objects.create_superuser('kanri', password='{PASSWORD}');"
        "print(*Comment.objects.order_by('pk').values_list('pk', flat=True))",
        env=env,
    )
    comment_ids = [int(pk) for pk in created.stdout.split()]
    assert len(comment_ids) >= SAVERS
    server = Server(env)
    yield server, comment_ids
    server.stop()


def save_remark(browser, comment_id, text):
    """``(status of the form, status of the save)``, as a staff member opens and saves it."""
    path = f"/admin/feedback/comment/{comment_id}/change/"
    status, page = browser.request(path)
    if status != 200:
        return status, None
    fields = [(name, text if name == "body" else value) for name, value in form_fields(page)]
    return status, browser.request(path, fields)[0]


def test_saves_and_autocomplete_at_once_lose_nothing(sqlite_server):
    server, comment_ids = sqlite_server
    savers = [Browser(server.url) for _ in range(SAVERS)]
    completers = [Browser(server.url) for _ in range(AUTOCOMPLETERS)]
    for browser in savers + completers:
        browser.login("kanri", PASSWORD)

    expected = {}
    save_results = []
    autocomplete_results = []
    saving = threading.Event()
    saving.set()
    start = threading.Barrier(SAVERS + AUTOCOMPLETERS)

    def save(index, browser):
        start.wait()
        for round_ in range(SAVES_EACH):
            comment_id = comment_ids[index]  # one remark per staff member, saved again and again
            text = f"同時保存の試験 {index}-{round_}"
            expected[comment_id] = text
            save_results.append(save_remark(browser, comment_id, text))

    def autocomplete(browser):
        start.wait()
        while saving.is_set():
            autocomplete_results.append(browser.request(AUTOCOMPLETE))

    save_threads = [
        threading.Thread(target=save, args=(index, browser)) for index, browser in enumerate(savers)
    ]
    other_threads = [threading.Thread(target=autocomplete, args=(b,)) for b in completers]
    for thread in save_threads + other_threads:
        thread.start()
    for thread in save_threads:
        thread.join(timeout=300)
    saving.clear()
    for thread in other_threads:
        thread.join(timeout=120)

    stored = {}
    for comment_id in expected:
        status, page = savers[0].request(f"/admin/feedback/comment/{comment_id}/change/")
        if status == 200:
            stored[comment_id] = dict(form_fields(page))["body"]
    log = server.stop()
    assert save_results == [(200, 302)] * (SAVERS * SAVES_EACH)
    assert autocomplete_results
    assert {status for status, _ in autocomplete_results} == {200}
    members = [json.loads(body)["results"] for _, body in autocomplete_results]
    assert members[0]
    assert all(found == members[0] for found in members)
    assert stored == expected
    assert "database is locked" not in log


def test_a_long_request_log_does_not_stop_the_server(sqlite_server):
    """The server's log outgrows a pipe's 64 kB buffer and every request is still answered.

    A 404 is logged while the request is handled (「Not Found: …」), before its response: when
    the log went to a pipe read only at the end, the request after a full pipe never came back.
    """
    server, _ = sqlite_server
    visitor = Browser(server.url)
    padding = "x" * 2000
    statuses = [visitor.request(f"/no-such-page-{n}-{padding}/")[0] for n in range(1, 51)]
    log = server.stop()
    assert statuses == [404] * 50
    assert f"Not Found: /no-such-page-50-{padding}/" in log
