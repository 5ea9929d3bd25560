"""The measurements themselves, run inside a configured Django process.

``bench/run.py`` calls each of them in a child process of its own (so that peak memory is the
measurement's own) and the tests call them on a few rows. Nothing here asserts a time: figures
go to docs/benchmarks.md.
"""

import contextlib
import dataclasses
import gc
import io
import resource
import statistics
import time
import urllib.parse
from pathlib import Path
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from feedback import excel, paging, services, table
from feedback.models import (
    CityResponse,
    Comment,
    FollowUp,
    Meeting,
    Member,
    ReflectionCategory,
    Report,
)
from policy.models import Policy, PolicyItem
from publication import stamp
from publication.cache import page_cache

# Words the demo text contains (bench/demo_data.py).
SEARCH_WORDS = {"3文字": "電子化", "2文字": "窓口", "1文字": "市"}


def client():
    """A reader behind the TLS proxy, as in production."""
    return Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")


def clear_page_cache():
    """Empty the rendered pages (this process's and the shared ones): a cold request."""
    page_cache().clear()


def get(client, url, *, cold):
    """One request: status, queries, seconds, bytes. ``cold`` empties the page cache first."""
    if cold:
        clear_page_cache()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - started
    return {
        "url": url,
        "status": response.status_code,
        "queries": len(queries),
        "ms": round(seconds * 1000, 1),
        "bytes": len(response.content),
    }


def timed(client, url, *, cold, repeat=3):
    """The median of ``repeat`` requests (queries from the last one)."""
    runs = [get(client, url, cold=cold) for _ in range(repeat)]
    result = dict(runs[-1])
    result["ms"] = round(statistics.median(run["ms"] for run in runs), 1)
    return result


def sample_reports():
    """The 資料 bench/demo_data.py made for the page benchmark, by size."""
    reports = Report.objects.published().filter(title__endswith="（ベンチマーク用）")
    return {report.entries.count(): report for report in reports}


def public_paths(report_url, word):
    """The eleven public paths ``make loadtest`` and ``make bench`` send their mixed load over,
    with this database's ids: the 資料 list, a 資料 and its filter by ``word``, the search page
    and a search, a remark, the member and policy item lists, a member, the meetings and the
    stylesheet. Percent-encoded, as a browser sends them."""
    remark = Comment.objects.published().order_by("pk").first()
    member = Member.objects.get(pk=_busiest("member"))
    paths = [
        "/",
        report_url,
        f"{report_url}?q={word}",
        "/comments/",
        f"/comments/?q={word}",
        remark.get_absolute_url(),
        "/members/",
        member.get_absolute_url(),
        "/items/",
        "/meetings/",
        "/static/css/site.css",
    ]
    return [urllib.parse.quote(path, safe="/?=&") for path in paths]


def _busiest(field):
    """The id of the member, policy item or meeting with the most published remarks."""
    counts = Comment.objects.published().values(field).annotate(remarks=Count("pk"))
    return counts.order_by("-remarks", field).values_list(field, flat=True)[0]


def other_page_urls():
    """The public pages besides the 資料 and the search: lists, the busiest committee, member,
    policy item and meeting, and their feeds (the site's too)."""

    member = Member.objects.get(pk=_busiest("member"))
    item = PolicyItem.objects.get(pk=_busiest("policy_item"))
    meeting = Meeting.objects.select_related("committee").get(pk=_busiest("meeting"))
    committee = meeting.committee
    urls = {
        "資料一覧": "/",
        "委員一覧": "/members/",
        "対象項目一覧": "/items/",
        "会議一覧": "/meetings/",
        "委員会": committee.get_absolute_url(),
        "委員": member.get_absolute_url(),
        "対象項目": item.get_absolute_url(),
        "会議": meeting.get_absolute_url(),
        "更新情報（全体）": reverse("feedback:feed"),
    }
    for label, name, record in (
        ("委員会", "committee", committee),
        ("委員", "member", member),
        ("対象項目", "policy-item", item),
        ("会議", "meeting", meeting),
    ):
        urls[f"更新情報（{label}）"] = reverse(f"feedback:{name}-feed", kwargs={"pk": record.pk})
    return urls


def middle_page_query(report, number, per_page):
    """The query string of page ``number``: a seek on position, as the page's own links."""
    positions = report.entries.order_by("position").values_list("position", flat=True)
    return f"after={positions[(number - 1) * per_page - 1]}" if number > 1 else ""


def page_figures(*, repeat=3):
    """Queries and time of the public pages, cold (page cache empty) and warm."""
    c = client()
    reports = {}
    for size, report in sorted(sample_reports().items()):
        url = report.get_absolute_url()
        per_page = paging.REPORT_ROWS_PER_PAGE
        last_page = max(1, -(-size // per_page))
        reports[size] = {
            "cold": timed(c, url, cold=True, repeat=repeat),
            "warm": timed(c, url, cold=False, repeat=repeat),
            "middle_page": timed(
                c,
                f"{url}?{middle_page_query(report, last_page // 2 + 1, per_page)}",
                cold=True,
                repeat=repeat,
            ),
            "last_page": timed(c, f"{url}?page=last", cold=True, repeat=repeat),
            "filtered": timed(c, f"{url}?q=窓口", cold=True, repeat=repeat),
        }
    stamp_runs = []
    for _ in range(max(repeat, 5) * 4):
        started = time.perf_counter()
        stamp.current()
        stamp_runs.append(time.perf_counter() - started)
    search = {"一覧": timed(c, "/comments/", cold=True, repeat=repeat)}
    for label, word in SEARCH_WORDS.items():
        search[f"{label}「{word}」"] = timed(c, f"/comments/?q={word}", cold=True, repeat=repeat)
    search["一覧（warm）"] = timed(c, "/comments/", cold=False, repeat=repeat)
    others = {
        label: timed(c, url, cold=True, repeat=repeat) for label, url in other_page_urls().items()
    }
    return {
        "reports": reports,
        "others": others,
        "stamp_ms": round(statistics.median(stamp_runs) * 1000, 2),
        "search": search,
        "comments": Comment.objects.count(),
    }


def admin_figures(*, repeat=3):
    """Queries and time of the remarks' changelist in the admin, signed in as a superuser: its
    first, middle and last page, a filtered deep page, a search, the 「未回答」 filter, the remark
    autocomplete of a 資料's rows (a one-character keystroke) and the 資料 list."""
    user, _created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    c = client()
    c.force_login(user)
    remarks = Comment.objects.count()
    pages = max(1, -(-remarks // 100))
    published_pages = max(1, -(-Comment.objects.published().count() // 100))
    changelist = "/admin/feedback/comment/"
    rows = "/admin/autocomplete/?app_label=feedback&model_name=reportentry&field_name=comment"
    urls = {
        "first": changelist,
        "middle": f"{changelist}?p={pages // 2}",
        "last": f"{changelist}?p={pages}",
        "filtered": f"{changelist}?status__exact=published&p={published_pages // 2}",
        "search": f"{changelist}?q=電子化",
        "unanswered": f"{changelist}?answered=no",
        "autocomplete": f"{rows}&term=市",
        "reports": "/admin/feedback/report/",
    }
    return {name: timed(c, url, cold=False, repeat=repeat) for name, url in urls.items()}


def export_rows(count):
    """``count`` rows as staff export them (``export_report`` includes drafts)."""
    comments = table.load(Comment.objects.order_by("meeting", "number"))[:count]
    return table.rows(comments)


def _rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _memory_mb(field):
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process in MB, from /proc (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _rss_mb()


def _reset_peak_memory():
    """Start the peak (``VmHWM``) afresh, so it measures what comes next (Linux ≥ 4.0)."""
    gc.collect()
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def excel_figures(rows, *, styled):
    """Seconds and peak memory of writing ``rows`` as a workbook (styled: the 資料 layout).

    The peak is the process's resident memory at its highest while the workbook was built and
    saved (the rows were read before); ``rss_before_mb`` is where it started.
    """
    _reset_peak_memory()
    before = _memory_mb("VmRSS")
    started = time.perf_counter()
    if styled:
        workbook = excel.build_workbook(
            title="ベンチマーク",
            label="資料1",
            remarks_heading="委員からの意見、質問等に対する市の考え方",
            response_heading="市の対応",
            rows=rows,
        )
        content = excel.workbook_bytes(workbook)
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(list(table.TITLES))
        for row in rows:
            sheet.append(list(row.cells))
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    seconds = time.perf_counter() - started
    return {
        "rows": len(rows),
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(_memory_mb("VmHWM"), 1),
        "rss_before_mb": round(before, 1),
        "bytes": len(content),
    }


IMPORT_COMMITTEE = "デモ市行政改革推進委員会"
IMPORT_MEETING = f"令和7年度第1回{IMPORT_COMMITTEE}"
IMPORT_TITLE = "ベンチマーク用の取込"


def import_workbook(rows):
    """The rows as a city sheet of a new meeting: title, 資料 label and the group heading."""
    workbook = excel.build_workbook(
        title=IMPORT_TITLE,
        label="資料9",
        remarks_heading=f"{IMPORT_MEETING}における意見、質問等",
        response_heading="市の対応",
        rows=rows,
    )
    return excel.workbook_bytes(workbook)


def import_rows(count):
    """Rows for the import file: remarks of one demo committee, renumbered 1…count."""
    members = [
        member.display_name
        for member in Member.objects.filter(committee__name=IMPORT_COMMITTEE).order_by("pk")
    ]
    rows = export_rows(count)
    # All of the new meeting's rows: renumbered, by members of the committee that held it.
    return [
        dataclasses.replace(row, number=index, member=members[index % len(members)])
        for index, row in enumerate(rows, start=1)
    ]


def import_figures(path):
    """The real path: ``import_feedback FILE --commit`` (validation and history included)."""
    policy = Policy.objects.get(title="デモ市デジタル化基本方針")
    before = Comment.objects.count()
    started = time.perf_counter()
    call_command(
        "import_feedback",
        str(path),
        "--commit",
        "--policy",
        policy.title,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    seconds = time.perf_counter() - started
    return {
        "rows": Comment.objects.count() - before,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(_rss_mb(), 1),
    }


def import_rolled_back(path):
    """``import_figures`` in a transaction rolled back: another measurement of the same import
    (the bench takes the faster of it and the committed one, as of two baselines)."""
    with transaction.atomic():
        figures = import_figures(path)
        transaction.set_rollback(True)
    return figures


def import_without_search_text(path):
    """A diagnostic, not a goal: the same import with each new remark's search text left
    empty, rolled back. What the import costs without its search index (its ``search_text``,
    its bigrams and the index they feed: PostgreSQL's stored ``tsvector`` and GIN index,
    SQLite's FTS5 table) against ``import_figures``: the measured reason when the import is
    over its goal."""

    def without_search_text(comments, follow_ups):
        for comment in comments:
            comment.search_text = comment.search_bigrams = ""

    with (
        mock.patch.object(services, "_set_search_text", without_search_text),
        transaction.atomic(),
    ):
        figures = import_figures(path)
        transaction.set_rollback(True)
    return figures


def publish_figures():
    """Not a goal: publishing the 資料 ``import_figures`` made (``report_publish``, rolled
    back), which writes each new remark's index pieces; the import leaves them to it
    (feedback/search.py)."""
    report = Report.objects.get(title=IMPORT_TITLE)
    with transaction.atomic():
        started = time.perf_counter()
        services.report_publish(report=report)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"rows": report.entries.count(), "seconds": round(seconds, 2)}


def import_baseline(path):
    """openpyxl reading the same file plus bulk_create of the same rows, rolled back."""
    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True)
    values = [
        row for row in workbook.worksheets[0].iter_rows(min_row=5, values_only=True) if row[0]
    ]
    workbook.close()
    members = {m.display_name: m for m in Member.objects.filter(committee__name=IMPORT_COMMITTEE)}
    # As the import resolves them: a heading several policies share is the given policy's.
    items = {}
    for item in PolicyItem.objects.select_related("policy").order_by("pk"):
        if item.heading not in items or item.policy.title == "デモ市デジタル化基本方針":
            items[item.heading] = item
    categories = {c.name: c for c in ReflectionCategory.objects.all()}
    with transaction.atomic():
        meeting = Meeting.objects.create(
            committee=next(iter(members.values())).committee, fiscal_year=2099, number=1
        )
        comments = Comment.objects.bulk_create(
            [
                Comment(
                    meeting=meeting,
                    number=number,
                    member=members[member],
                    policy_item=items[item],
                    body=body,
                )
                for number, member, item, body, *_rest in values
            ],
            batch_size=2000,
        )
        CityResponse.objects.bulk_create(
            [
                CityResponse(comment=comment, body=row[4] or "", category=categories.get(row[5]))
                for comment, row in zip(comments, values, strict=True)
            ],
            batch_size=2000,
        )
        FollowUp.objects.bulk_create(
            [
                FollowUp(comment=comment, body=row[6])
                for comment, row in zip(comments, values, strict=True)
                if row[6]
            ],
            batch_size=2000,
        )
        transaction.set_rollback(True)
    return {"rows": len(values), "seconds": round(time.perf_counter() - started, 2)}


def invalidation_check(url, fetch, *, limit=3.0):
    """Edit a remark the page shows, then fetch the page until it shows the edit; the same for
    the revert. Returns how long each took in ms (``None`` when not within ``limit`` seconds).

    The goal is one second: a server holds the change signal for at most
    ``PUBLIC_STAMP_TTL`` (another process wrote it, as here). ``fetch(url)`` returns the page's
    text (through the test client or over HTTP).
    """
    report = Report.objects.published().get(pk=int(url.rstrip("/").rsplit("/", 1)[1]))
    comment = report.comments.published().order_by("report_entries__position").first()
    marker = f"（ベンチマークでの修正{time.time_ns()}）"
    fetch(url)  # warm

    def until(shown):
        started, fetches = time.perf_counter(), 0
        while time.perf_counter() - started < limit:
            fetches += 1
            if shown(fetch(url)):
                return round((time.perf_counter() - started) * 1000, 1), fetches
            time.sleep(0.05)
        return None, fetches

    comment.body += marker
    comment.save()
    edited, edit_fetches = until(lambda text: marker in text)
    comment.body = comment.body.removesuffix(marker)
    comment.save()
    restored, revert_fetches = until(lambda text: marker not in text)
    return {
        "edit_shown_after_ms": edited,
        "edit_fetches": edit_fetches,
        "revert_shown_after_ms": restored,
        "revert_fetches": revert_fetches,
    }
