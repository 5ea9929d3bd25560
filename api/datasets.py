"""The open-data files in the conventions of 自治体標準オープンデータセット (デジタル庁): one CSV
per dataset whose first columns are 全国地方公共団体コード, ID and 地方公共団体名, dates in ISO 8601
with the 和暦 beside them, UTF-8 with a BOM.

Each dataset is a list of ``Column`` definitions; the CSV writer and the column dictionary page
(項目名, 型, 説明, 例) both read them, so the two cannot disagree. Rows come from
``feedback.selectors``: published records only.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from feedback import selectors, table, wareki
from feedback.models import Comment, ReportEntry
from feedback.writers import neutralize_formula

TEXT, INTEGER, DATE, DATETIME, URL = "文字列", "整数", "日付", "日時", "URL"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    example: str
    value: Callable


def _date(day):
    return day.isoformat() if day else ""


def _wareki(day):
    return wareki.format_date(day) if day else ""


def _datetime(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def _site(record, context):
    return context["base_url"] + record.get_absolute_url()


def common_columns(id_description, id_example):
    return [
        Column(
            "全国地方公共団体コード",
            TEXT,
            "総務省の全国地方公共団体コード（検査数字を含む6桁）",
            "142034",
            lambda record, context: settings.CITY_CODE,
        ),
        Column("ID", TEXT, id_description, id_example, lambda record, context: str(record.pk)),
        Column(
            "地方公共団体名",
            TEXT,
            "データを公開している地方公共団体の名称",
            "平塚市",
            lambda record, context: settings.CITY_NAME,
        ),
    ]


def _latest_follow_up(comment):
    """The 対応状況 a table prints: the first of ``table.load``'s follow-ups (latest first)."""
    follow_ups = getattr(comment, table.FOLLOW_UPS)
    return follow_ups[0] if follow_ups else None


def _response(comment):
    return getattr(comment, "response", None)


REMARK_COLUMNS = [
    *common_columns("意見の番号（公開サイトと API の id と同じ）", "6"),
    Column(
        "委員会名",
        TEXT,
        "意見が出た委員会",
        "平塚市行政改革推進委員会",
        lambda c, x: c.meeting.committee.name,
    ),
    Column(
        "会議名",
        TEXT,
        "意見が出た会議",
        "令和2年度第2回平塚市行政改革推進委員会",
        lambda c, x: c.meeting.name,
    ),
    Column(
        "年度", INTEGER, "会議の年度（始まる西暦年）", "2020", lambda c, x: c.meeting.fiscal_year
    ),
    Column(
        "年度（和暦）",
        TEXT,
        "会議の年度（和暦）",
        "令和2年度",
        lambda c, x: c.meeting.fiscal_year_label,
    ),
    Column(
        "開催日",
        DATE,
        "会議の開催日（ISO 8601。不明なときは空欄）",
        "2020-11-16",
        lambda c, x: _date(c.meeting.held_on),
    ),
    Column(
        "開催日（和暦）",
        TEXT,
        "会議の開催日（和暦）",
        "令和2年11月16日",
        lambda c, x: _wareki(c.meeting.held_on),
    ),
    Column("No.", INTEGER, "会議の中での意見の番号", "6", lambda c, x: c.number),
    Column(
        "委員名",
        TEXT,
        "意見を述べた委員（資料の表記）",
        "久田委員",
        lambda c, x: c.member.display_name,
    ),
    Column(
        "政策・計画名",
        TEXT,
        "意見の対象の政策・計画",
        "平塚市デジタル化基本方針",
        lambda c, x: c.policy_item.policy.title,
    ),
    Column(
        "対象項目",
        TEXT,
        "意見の対象の項目",
        "方針2 行政内部のデジタル化",
        lambda c, x: c.policy_item.heading,
    ),
    Column(
        "意見、質問等",
        TEXT,
        "委員の意見・質問（資料の表記どおり）",
        "2026年度頃には、行政事務の大半はAIにより処理するという理解でよろしいでしょうか。…",
        lambda c, x: c.body,
    ),
    Column(
        "市の考え方",
        TEXT,
        "意見に対する市の考え方（未回答は空欄）",
        "デジタル化基本方針は、…",
        lambda c, x: _response(c).body if _response(c) else "",
    ),
    Column(
        "対応区分",
        TEXT,
        "市の対応の区分（反映、参考など。未定は空欄）",
        "参考",
        lambda c, x: _response(c).category.name if _response(c) and _response(c).category else "",
    ),
    Column(
        "対応状況",
        TEXT,
        "最新の対応状況（ないときは空欄）",
        "デジタル推進員への説明会では、…",
        lambda c, x: _latest_follow_up(c).body if _latest_follow_up(c) else "",
    ),
    Column(
        "対応状況記録日",
        DATE,
        "最新の対応状況の記録日（ISO 8601。日付がないときは空欄）",
        "2021-07-01",
        lambda c, x: _date(_latest_follow_up(c).recorded_on) if _latest_follow_up(c) else "",
    ),
    Column(
        "対応状況記録日（和暦）",
        TEXT,
        "最新の対応状況の記録日（和暦）",
        "令和3年7月1日",
        lambda c, x: _wareki(_latest_follow_up(c).recorded_on) if _latest_follow_up(c) else "",
    ),
    Column(
        "最終更新日時",
        DATETIME,
        "意見・市の考え方・対応状況のいずれかが最後に更新された日時（ISO 8601）",
        "2026-11-26T15:00:00+09:00",
        lambda c, x: _datetime(table.updated_at(c, getattr(c, table.FOLLOW_UPS))),
    ),
    Column("URL", URL, "公開サイトでの意見のページ", "https://example.jp/comments/6/", _site),
]

REPORT_COLUMNS = [
    *common_columns("資料の番号（公開サイトと API の id と同じ）", "1"),
    Column("資料番号", TEXT, "会議での資料の番号", "資料2", lambda r, x: r.label),
    Column(
        "表題", TEXT, "資料の表題", "平塚市デジタル化基本方針への反映状況", lambda r, x: r.title
    ),
    Column(
        "提出した会議",
        TEXT,
        "資料を提出した会議（不明なときは空欄）",
        "令和3年度第1回平塚市行政改革推進委員会",
        lambda r, x: r.meeting.name if r.meeting else "",
    ),
    Column(
        "提出日",
        DATE,
        "資料の提出日（ISO 8601。不明なときは空欄）",
        "2021-07-30",
        lambda r, x: _date(r.presented_on),
    ),
    Column(
        "提出日（和暦）",
        TEXT,
        "資料の提出日（和暦）",
        "令和3年7月30日",
        lambda r, x: _wareki(r.presented_on),
    ),
    Column(
        "掲載意見数",
        INTEGER,
        "資料に掲載されている公開中の意見の数",
        "7",
        lambda r, x: len(r.public_entries),
    ),
    Column(
        "掲載意見ID",
        TEXT,
        "掲載されている意見の ID（掲載順、「;」区切り）",
        "1;2;3",
        lambda r, x: ";".join(str(entry.comment_id) for entry in r.public_entries),
    ),
    Column(
        "公開日時",
        DATETIME,
        "資料を公開した日時（ISO 8601）",
        "2026-11-26T15:00:00+09:00",
        lambda r, x: _datetime(r.published_at),
    ),
    Column("URL", URL, "公開サイトでの資料のページ", "https://example.jp/reports/1/", _site),
]

MEMBER_COLUMNS = [
    *common_columns("委員の番号（公開サイトと API の id と同じ）", "3"),
    Column("氏名", TEXT, "委員の氏名（資料の表記。多くは姓のみ）", "久田", lambda m, x: m.name),
    Column("氏名（よみがな）", TEXT, "氏名の読み（ひらがな）", "ひさだ", lambda m, x: m.name_kana),
    Column(
        "委員会名",
        TEXT,
        "所属する委員会",
        "平塚市行政改革推進委員会",
        lambda m, x: m.committee.name,
    ),
    Column("役職", TEXT, "委員長・副委員長・委員", "委員", lambda m, x: m.get_role_display()),
    Column(
        "任期開始日",
        DATE,
        "任期の始まり（ISO 8601。不明なときは空欄）",
        "2020-06-01",
        lambda m, x: _date(m.term_start),
    ),
    Column(
        "任期開始日（和暦）",
        TEXT,
        "任期の始まり（和暦）",
        "令和2年6月1日",
        lambda m, x: _wareki(m.term_start),
    ),
    Column(
        "任期終了日",
        DATE,
        "任期の終わり（ISO 8601。不明なときは空欄）",
        "2022-05-31",
        lambda m, x: _date(m.term_end),
    ),
    Column(
        "任期終了日（和暦）",
        TEXT,
        "任期の終わり（和暦）",
        "令和4年5月31日",
        lambda m, x: _wareki(m.term_end),
    ),
    Column("公開意見数", INTEGER, "公開されている意見の数", "1", lambda m, x: m.published_count),
    Column("URL", URL, "公開サイトでの委員のページ", "https://example.jp/members/3/", _site),
]

MEETING_COLUMNS = [
    *common_columns("会議の番号（公開サイトと API の id と同じ）", "1"),
    Column(
        "委員会名",
        TEXT,
        "会議を開いた委員会",
        "平塚市行政改革推進委員会",
        lambda m, x: m.committee.name,
    ),
    Column(
        "会議名", TEXT, "会議の名称", "令和2年度第2回平塚市行政改革推進委員会", lambda m, x: m.name
    ),
    Column("年度", INTEGER, "会議の年度（始まる西暦年）", "2020", lambda m, x: m.fiscal_year),
    Column(
        "年度（和暦）", TEXT, "会議の年度（和暦）", "令和2年度", lambda m, x: m.fiscal_year_label
    ),
    Column("回", INTEGER, "その年度の第何回か", "2", lambda m, x: m.number),
    Column(
        "開催日",
        DATE,
        "開催日（ISO 8601。不明なときは空欄）",
        "2020-11-16",
        lambda m, x: _date(m.held_on),
    ),
    Column(
        "開催日（和暦）", TEXT, "開催日（和暦）", "令和2年11月16日", lambda m, x: _wareki(m.held_on)
    ),
    Column("開催場所", TEXT, "開催場所", "平塚市役所本館 6階 613会議室", lambda m, x: m.place),
    Column(
        "議題",
        TEXT,
        "議題（次第の順。複数のときは ; で区切る）",
        "平塚市デジタル化基本方針について;その他",
        lambda m, x: ";".join(item.replace(";", "；") for item in m.agenda_items),
    ),
    Column(
        "出席委員",
        TEXT,
        "出席した委員（五十音順。複数のときは ; で区切る）",
        "秋山委員;芦川委員",
        lambda m, x: ";".join(member.display_name for member in m.attendees.all()),
    ),
    Column(
        "欠席委員",
        TEXT,
        "欠席した委員（五十音順。記録した委員のみ。複数のときは ; で区切る）",
        "久田委員",
        lambda m, x: ";".join(member.display_name for member in m.absentees.all()),
    ),
    Column("所管課", TEXT, "会議を所管する課", "行政総務課", lambda m, x: m.department),
    Column(
        "所管課電話番号", TEXT, "所管課の電話番号", "0463-23-1111", lambda m, x: m.department_phone
    ),
    Column(
        "所管課メールアドレス",
        TEXT,
        "所管課のメールアドレス",
        "gyosei@city.example.jp",
        lambda m, x: m.department_email,
    ),
    Column(
        "会議録URL",
        URL,
        "市のウェブサイトに掲載した会議録（ないときは空欄）",
        "https://www.city.example.jp/minutes/r2-2.html",
        lambda m, x: m.minutes_link,
    ),
    Column("公開意見数", INTEGER, "公開されている意見の数", "7", lambda m, x: m.published_count),
    Column("URL", URL, "公開サイトでの会議のページ", "https://example.jp/meetings/1/", _site),
]


def _public_reports():
    entries = ReportEntry.objects.filter(comment__in=Comment.objects.published()).order_by(
        "position"
    )
    return selectors.public_reports().prefetch_related(
        Prefetch("entries", queryset=entries, to_attr="public_entries")
    )


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    columns: list
    records: Callable


DATASETS = {
    dataset.slug: dataset
    for dataset in [
        Dataset(
            "remarks",
            "意見と市の考え方",
            "委員の意見、市の考え方、対応区分、最新の対応状況。1行が1件の意見です。",
            REMARK_COLUMNS,
            lambda: table.load(Comment.objects.published()).order_by("id"),
        ),
        Dataset(
            "reports",
            "資料",
            "公開している資料。1行が1件の資料で、掲載している意見の ID を含みます。",
            REPORT_COLUMNS,
            lambda: _public_reports().order_by("id"),
        ),
        Dataset(
            "members",
            "委員",
            "公開されている意見がある委員。1行が1つの委員会での1人の委員です。",
            MEMBER_COLUMNS,
            lambda: selectors.public_members().order_by("id"),
        ),
        Dataset(
            "meetings",
            "会議",
            "公開されている意見が出た会議。",
            MEETING_COLUMNS,
            lambda: (
                selectors.public_meetings_list()
                .prefetch_related("attendees", "absentees")
                .order_by("id")
            ),
        ),
    ]
}


def file_name(dataset):
    """「142034_remarks.csv」: the city code first, as the standard datasets' files are named."""
    return f"{settings.CITY_CODE}_{dataset.slug}.csv"


def write_csv(dataset, *, base_url):
    """The dataset as CSV bytes: UTF-8 with BOM, CRLF, RFC 4180 quoting; text that a
    spreadsheet would run as a formula gets a leading ``'`` (as in ``feedback.writers``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.name for column in dataset.columns])
    context = {"base_url": base_url}
    for record in dataset.records():
        values = (column.value(record, context) for column in dataset.columns)
        writer.writerow(
            [neutralize_formula(value) if isinstance(value, str) else value for value in values]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def check_digit(code5):
    """The 検査数字 of a five-digit 全国地方公共団体コード: weights 6…2, modulus 11, the last digit
    of 11 minus the remainder (14203 → 4)."""
    total = sum(int(digit) * weight for digit, weight in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def city_code_errors(code):
    """What is wrong with ``code`` as a 全国地方公共団体コード (empty when it is right)."""
    if not (isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()):
        return [f"CITY_CODE は6桁の数字で指定してください（現在: {code!r}）。"]
    expected = check_digit(code[:5])
    if int(code[5]) != expected:
        return [
            f"CITY_CODE {code} の検査数字（6桁目）が正しくありません。"
            f"{code[:5]} の検査数字は {expected} です。"
        ]
    return []
