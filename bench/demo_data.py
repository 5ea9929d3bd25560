"""Realistic demo data in bulk, for benchmarks and for trying the site with years of tables.

``make bench`` calls ``generate`` for each size; by hand::

    .venv/bin/python bench/run.py --demo-data 10000 [--sample-reports 7,2000] [--skip-history]

writes into the database ``DATABASE_URL`` names (by default the benchmark's SQLite file).

Committees with many members, twenty years of meetings, policy documents with their items, and
``--comments`` remarks spread over the meetings, each with a city view (市の考え方), a 対応区分
and usually one or two follow-ups (対応状況). Every meeting gets its 資料 listing its remarks;
about one in twenty stays a draft (its remarks too), the others are published.

Speed over the normal write path: rows are written with ``bulk_create`` in batches, not through
``feedback.services``, so no per-row validation runs. History gets one "created" entry per record,
copied with one ``INSERT … SELECT`` per table, so the history tables (the admin's history pages,
the feeds) are as full as after a real import; ``history=False`` leaves them empty. Never run
this against a production database: it adds records nobody wrote.

Benchmark tooling, so it lives beside ``bench/`` and not in the served app.
"""

import datetime
import random

from django.db import connection
from django.utils import timezone

from feedback.enums import MemberRole, PublicationStatus
from feedback.models import (
    CityResponse,
    Comment,
    Committee,
    FollowUp,
    Meeting,
    Member,
    ReflectionCategory,
    Report,
    ReportEntry,
)
from feedback.search import refresh_search_text, with_body_line
from policy.enums import ItemKind
from policy.models import Policy, PolicyItem
from publication.stamp import public_write


class DemoDataError(Exception):
    """The demo data cannot be written (the message says why, in Japanese)."""


COMMITTEE_PREFIX = "デモ市"
COMMITTEES = (
    "行政改革推進委員会",
    "都市計画審議会",
    "環境審議会",
    "子ども・子育て会議",
    "防災会議",
)
FIRST_FISCAL_YEAR = 2005
FISCAL_YEARS = 20
MEETINGS_PER_YEAR = 4
MEMBERS_PER_COMMITTEE = 18
POLICIES = ("デジタル化基本方針", "総合計画", "環境基本計画", "子ども・子育て支援事業計画")
ITEMS_PER_POLICY = 24
BATCH_SIZE = 2_000
DRAFT_EVERY = 20  # one meeting's 資料 in twenty stays a draft

FAMILY_NAMES = (
    ("秋山", "あきやま"), ("石井", "いしい"), ("上田", "うえだ"), ("遠藤", "えんどう"),
    ("小川", "おがわ"), ("加藤", "かとう"), ("木村", "きむら"), ("久保", "くぼ"),
    ("小林", "こばやし"), ("佐藤", "さとう"), ("清水", "しみず"), ("鈴木", "すずき"),
    ("関口", "せきぐち"), ("高橋", "たかはし"), ("田中", "たなか"), ("土屋", "つちや"),
    ("中村", "なかむら"), ("西田", "にしだ"), ("野口", "のぐち"), ("橋本", "はしもと"),
    ("平野", "ひらの"), ("藤田", "ふじた"), ("星野", "ほしの"), ("松本", "まつもと"),
    ("宮崎", "みやざき"), ("村上", "むらかみ"), ("森", "もり"), ("山口", "やまぐち"),
    ("吉田", "よしだ"), ("渡辺", "わたなべ"),
)  # fmt: skip
SUBJECTS = (
    "行政手続の電子化", "窓口の待ち時間", "マイナンバーカードの活用", "高齢者への支援",
    "職員の人材育成", "情報セキュリティ対策", "オープンデータの公開", "公共施設の再編",
    "地域公共交通", "防災情報の発信", "子育て世帯への相談体制", "ごみの減量化",
    "再生可能エネルギーの導入", "市民参加の仕組み", "財政の見える化", "業務の効率化",
)  # fmt: skip
OPENINGS = (
    "{s}について、", "素案に記載のある{s}に関して、", "{s}の取組は評価できるが、",
    "前回の会議でも触れたが、{s}については", "市民の立場から見ると、{s}は",
)  # fmt: skip
MIDDLES = (
    "具体的な目標や期限が示されていないため、進捗を確認することが難しいと考える。",
    "市民にとって分かりやすい説明が必要ではないか。",
    "他市の先進事例を参考にして、段階的に進めるべきである。",
    "デジタル機器に不慣れな方への配慮を忘れないでほしい。",
    "庁内の関係課が連携して取り組む体制を明確にしてほしい。",
    "費用対効果を検証したうえで、優先順位を付けて実施することが望ましい。",
    "窓口に来なくても手続ができるよう、電子申請の対象を広げてほしい。",
    "地域の事業者や大学との協働も検討してはどうか。",
    "個人情報の取扱いについて、市民の不安を解消する丁寧な説明が求められる。",
)  # fmt: skip
RESPONSES = (
    "ご意見を踏まえ、{s}に関する記述を修正しました。",
    "{s}については、関係課と連携し、令和の新たな計画の中で検討してまいります。",
    "ご指摘の点は重要であると認識しており、今後の取組の参考とさせていただきます。",
    "{s}については、既に第3章に記載しております。引き続き着実に取り組みます。",
    "国の動向や他市の事例を注視しながら、段階的に進めてまいります。",
    "市民の皆様に分かりやすい情報発信に努めるとともに、相談体制の充実を図ります。",
)  # fmt: skip
FOLLOW_UPS = (
    "{s}について、担当課で検討会議を開催し、実施方針を取りまとめた。",
    "令和{y}年度から{s}に関する試行を開始した。利用状況を検証している。",
    "{s}の取組状況を市ホームページで公開した。",
    "関係課による作業部会を設置し、{s}の課題を整理した。引き続き検討中。",
)  # fmt: skip


def _paragraph(rng, pieces, subject, low, high, **extra):
    """Japanese text of ``low``–``high`` characters built from ``pieces``."""
    target = rng.randint(low, high)
    text = ""
    while len(text) < target:
        text += rng.choice(pieces).format(s=subject, **extra)
    return text[:target].rstrip("、") or text


def comment_text(rng, subject):
    target = rng.randint(50, 400)
    text = rng.choice(OPENINGS).format(s=subject)
    while len(text) < target:
        text += rng.choice(MIDDLES)
    return text[:target]


def _bulk(model, objects, *, history):
    objects = model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    if history and objects:
        _copy_history(model, min(obj.pk for obj in objects), max(obj.pk for obj in objects))
    return objects


def _copy_history(model, first_pk, last_pk):
    """One "created" history row per new record, copied inside the database.

    ``bulk_history_create`` builds a Python object per row and takes twice as long as writing
    the rows themselves; ``INSERT … SELECT`` writes the same rows in one statement.
    """
    historical = model.history.model
    source_columns = {field.column for field in model._meta.concrete_fields}
    fixed = {
        "history_date": timezone.now(),
        "history_type": "+",
        "history_change_reason": "デモデータ",
        "history_user_id": None,
    }
    targets, selects, params = [], [], []
    for field in historical._meta.concrete_fields:
        if field.primary_key and field.column not in source_columns:
            continue  # history_id: the database numbers it
        targets.append(connection.ops.quote_name(field.column))
        if field.column in source_columns:
            selects.append(connection.ops.quote_name(field.column))
        elif field.column in fixed:
            selects.append("%s")
            params.append(field.get_db_prep_save(fixed[field.column], connection))
        else:
            raise DemoDataError(f"履歴の列 {field.column} の値が分かりません。")
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    # Table and column names come from the models, quoted; every value is a parameter.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(historical._meta.db_table)} "  # nosec B608
            f"({', '.join(targets)}) SELECT {', '.join(selects)} "
            f"FROM {connection.ops.quote_name(model._meta.db_table)} "
            f"WHERE {pk_column} BETWEEN %s AND %s",
            [*params, first_pk, last_pk],
        )


# One transaction and one batch: the change signal is raised, and the summaries of the 資料
# (feedback.summaries) are read from their rows, once at the end.
@public_write
def generate(*, comments, seed=2020, sample_sizes=(), history=True):
    """Write the demo data in one transaction; returns the number of records per kind.

    Refused on a database that has demo data already, and for fewer than one remark.
    """
    if comments < 1:
        raise DemoDataError("--comments は1以上にしてください。")
    if Committee.objects.filter(name__startswith=COMMITTEE_PREFIX).exists():
        raise DemoDataError("デモデータは作成済みです。空のデータベースで実行してください。")
    rng = random.Random(seed)
    now = timezone.now()
    categories = list(ReflectionCategory.objects.all())
    if not categories:
        raise DemoDataError("対応区分がありません。migrate を実行してください。")

    committees = _bulk(
        Committee,
        [Committee(name=f"{COMMITTEE_PREFIX}{name}") for name in COMMITTEES],
        history=history,
    )
    members = []
    for committee in committees:
        for index in range(MEMBERS_PER_COMMITTEE):
            family, kana = FAMILY_NAMES[(index + committee.pk) % len(FAMILY_NAMES)]
            role = MemberRole.CHAIR if index == 0 else MemberRole.MEMBER
            role = MemberRole.VICE_CHAIR if index == 1 else role
            suffix = "" if index < len(FAMILY_NAMES) else str(index)
            members.append(
                Member(
                    committee=committee,
                    name=f"{family}{suffix}",
                    name_kana=kana,
                    role=role,
                )
            )
    members = _bulk(Member, members, history=history)
    members_of = {c.pk: [m for m in members if m.committee_id == c.pk] for c in committees}

    meetings = _bulk(
        Meeting,
        [
            Meeting(
                committee=committee,
                fiscal_year=year,
                number=number,
                held_on=datetime.date(year, 4 + 2 * number, 10),
            )
            for committee in committees
            for year in range(FIRST_FISCAL_YEAR, FIRST_FISCAL_YEAR + FISCAL_YEARS)
            for number in range(1, MEETINGS_PER_YEAR + 1)
        ],
        history=history,
    )
    policies = _bulk(
        Policy,
        [Policy(title=f"{COMMITTEE_PREFIX}{title}") for title in POLICIES],
        history=history,
    )
    items = _bulk(
        PolicyItem,
        [
            PolicyItem(
                policy=policy,
                heading=(
                    policy.title if order == 0 else f"第{order}章 {SUBJECTS[order % len(SUBJECTS)]}"
                ),
                kind=ItemKind.WHOLE_DOCUMENT if order == 0 else ItemKind.SECTION,
                order=order,
            )
            for policy in policies
            for order in range(ITEMS_PER_POLICY)
        ],
        history=history,
    )

    # Remarks: spread evenly over the meetings, numbered from 1 within each.
    per_meeting = {meeting.pk: [] for meeting in meetings}
    draft_meetings = {meeting.pk for meeting in meetings[DRAFT_EVERY - 1 :: DRAFT_EVERY]}
    if len(draft_meetings) == len(meetings):
        draft_meetings = set()
    rows = []
    for index in range(comments):
        meeting = meetings[index % len(meetings)]
        number = len(per_meeting[meeting.pk]) + 1
        subject = rng.choice(SUBJECTS)
        published = meeting.pk not in draft_meetings
        body = comment_text(rng, subject)
        # The body's line of the search text and its index pieces, as Comment.save writes them
        # (a published remark holds its pieces); refresh_search_text adds the other lines.
        search_text, search_bigrams = with_body_line("", body)
        comment = Comment(
            meeting=meeting,
            number=number,
            member=rng.choice(members_of[meeting.committee_id]),
            policy_item=rng.choice(items),
            body=body,
            search_text=search_text,
            search_bigrams=search_bigrams,
            status=PublicationStatus.PUBLISHED if published else PublicationStatus.DRAFT,
            published_at=now if published else None,
        )
        per_meeting[meeting.pk].append(comment)
        rows.append((comment, subject))
    created = _bulk(Comment, [comment for comment, _subject in rows], history=history)

    responses, follow_ups = [], []
    for comment, subject in rows:
        responses.append(
            CityResponse(
                comment=comment,
                body=_paragraph(rng, RESPONSES, subject, 50, 400),
                category=rng.choice(categories),
            )
        )
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            follow_ups.append(
                FollowUp(
                    comment=comment,
                    body=_paragraph(rng, FOLLOW_UPS, subject, 50, 400, y=rng.randint(2, 6)),
                    recorded_on=comment.meeting.held_on if rng.random() < 0.7 else None,
                )
            )
    _bulk(CityResponse, responses, history=history)
    _bulk(FollowUp, follow_ups, history=history)
    refresh_search_text([comment.pk for comment in created])  # search_text

    # One 資料 per meeting, listing its remarks; plus the sample sizes the benchmark asks for.
    reports, entries = [], []
    for meeting in meetings:
        listed = per_meeting[meeting.pk]
        if not listed:
            continue
        published = meeting.pk not in draft_meetings
        reports.append(
            (
                Report(
                    label="資料1",
                    title=f"{meeting.name}における意見と市の考え方",
                    meeting=meeting,
                    presented_on=meeting.held_on,
                    remarks_heading=f"{meeting.name}における意見、質問等",
                    response_heading="市の対応",
                    status=PublicationStatus.PUBLISHED if published else PublicationStatus.DRAFT,
                    published_at=now if published else None,
                ),
                listed,
            )
        )
    published_comments = [c for c in created if c.status == PublicationStatus.PUBLISHED]
    for size in sample_sizes:
        reports.append(
            (
                Report(
                    label=f"資料{size}",
                    title=f"{size}件の意見の一覧（ベンチマーク用）",
                    remarks_heading="委員からの意見、質問等に対する市の考え方",
                    response_heading="市の対応",
                    status=PublicationStatus.PUBLISHED,
                    published_at=now,
                ),
                published_comments[:size],
            )
        )
    saved = _bulk(Report, [report for report, _listed in reports], history=history)
    for report, (_report, listed) in zip(saved, reports, strict=True):
        entries.extend(
            ReportEntry(report=report, comment=comment, position=position)
            for position, comment in enumerate(listed, start=1)
        )
    _bulk(ReportEntry, entries, history=history)
    return {
        "委員会": len(committees),
        "委員": len(members),
        "会議": len(meetings),
        "意見": len(created),
        "対応状況": len(follow_ups),
        "資料": len(saved),
    }
