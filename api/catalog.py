"""The open-data catalogue: every dataset with its files (URL, format, licence, update date,
size), for the /open-data/ page and its DCAT JSON-LD description (/open-data/catalog.jsonld),
so a city can register the data in its own オープンデータ一覧.

A file's size is the length of the bytes its own view serves an anonymous reader, and its
format the ``Content-Type`` it is served with: each file is rendered once through its URL,
and the catalogue is kept in the page cache under the public change signal's version
(``publication.stamp``) and the site's address (the files hold absolute URLs), so it is made
again only after public data changed. The update date of a dataset is the latest change of
the published records it holds (drafts never count: they are not in the files).
"""

import json
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Max
from django.http import HttpRequest, QueryDict
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from api import datasets
from feedback import selectors
from feedback.models import (
    Comment,
    Committee,
    Meeting,
    Member,
    PolicyChangeLink,
    ReflectionCategory,
    Report,
)
from policy import selectors as policy_selectors
from policy.models import Policy, PolicyItem, PolicyVersion
from publication import cache

DOWNLOAD_FORMATS = ("xlsx", "csv", "json")
FORMAT_NAMES = {
    "text/csv": "CSV",
    "application/json": "JSON",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.oai.openapi+json": "OpenAPI 3.1 (JSON)",
}
# Request headers the internal rendering must not copy: it is an anonymous, unconditional GET.
PRIVATE_HEADERS = (
    "HTTP_COOKIE",
    "HTTP_AUTHORIZATION",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_ACCEPT",
    "QUERY_STRING",
)


@dataclass(frozen=True)
class Distribution:
    title: str
    url: str
    media_type: str
    byte_size: int
    modified: datetime | None

    @property
    def format(self):
        return FORMAT_NAMES.get(self.media_type, self.media_type)


@dataclass(frozen=True)
class Dataset:
    identifier: str
    title: str
    description: str
    landing_page: str
    modified: datetime | None
    distributions: tuple


def licence():
    """The open-data licence, configured once (``SPECTACULAR_SETTINGS["LICENSE"]``)."""
    return settings.SPECTACULAR_SETTINGS["LICENSE"]


def city():
    """The publisher: the city's name and 全国地方公共団体コード, from settings."""
    return {"name": settings.CITY_NAME, "code": settings.CITY_CODE}


# -- update dates: the latest change of the published records a file holds -------------------


def _latest(*moments):
    return max((moment for moment in moments if moment is not None), default=None)


def _history_latest(model, ids):
    """The latest saved version of the records ``ids`` (a query of ids) of ``model``."""
    return model.history.filter(id__in=ids).aggregate(latest=Max("history_date"))["latest"]


def _comments_modified(comments):
    """Published remarks: the remark, its answer, its follow-ups, and what a row names."""
    moments = comments.aggregate(
        Max("updated_at"),
        Max("published_at"),
        Max("response__updated_at"),
        Max("follow_ups__updated_at"),
    )
    return _latest(
        *moments.values(),
        _history_latest(ReflectionCategory, comments.values("response__category_id")),
        _history_latest(Meeting, comments.values("meeting_id")),
        _history_latest(Committee, comments.values("meeting__committee_id")),
        _history_latest(Member, comments.values("member_id")),
        _history_latest(PolicyItem, comments.values("policy_item_id")),
        _history_latest(Policy, comments.values("policy_item__policy_id")),
    )


def _reports_modified(reports):
    listed = Comment.objects.published().filter(report_entries__report__in=reports)
    return _latest(
        *reports.aggregate(Max("updated_at"), Max("published_at")).values(),
        listed.aggregate(latest=Max("published_at"))["latest"],
        _history_latest(Meeting, reports.values("meeting_id")),
    )


def _counted_modified(model, records, comments_of):
    """Members or meetings: the records, their committee, and their published remarks (the
    count the file shows)."""
    return _latest(
        _history_latest(model, records.values("id")),
        _history_latest(Committee, records.values("committee_id")),
        Comment.objects.published()
        .filter(**{f"{comments_of}__in": records.values("id")})
        .aggregate(latest=Max("published_at"))["latest"],
    )


def _policy_modified(policy):
    versions = policy_selectors.public_policy_versions(policy)
    links = PolicyChangeLink.objects.published().filter(comment__policy_item__policy=policy)
    return _latest(
        *versions.aggregate(Max("updated_at"), Max("published_at")).values(),
        _history_latest(Policy, Policy.objects.filter(pk=policy.pk).values("id")),
        _history_latest(PolicyChangeLink, links.values("id")),
        _comments_modified(Comment.objects.published().filter(policy_changes__in=links)),
    )


def _dataset_modified(slug):
    if slug == "remarks":
        return _comments_modified(Comment.objects.published())
    if slug == "reports":
        return _reports_modified(Report.objects.published())
    if slug == "members":
        return _counted_modified(Member, selectors.public_members(), "member")
    return _counted_modified(Meeting, selectors.public_meetings_list(), "meeting")


# -- sizes and formats: the files as served ---------------------------------------------------


def _served(request, url):
    """The response an anonymous reader gets now for GET ``url`` (a path with its query), from
    the URL's own view, on the same site address as ``request``."""
    path, _, query = url.partition("?")
    internal = HttpRequest()
    internal.method = "GET"
    internal.path = internal.path_info = path
    internal.META = {
        name: value for name, value in request.META.items() if name not in PRIVATE_HEADERS
    }
    internal.META.update(REQUEST_METHOD="GET", PATH_INFO=path, QUERY_STRING=query)
    internal.GET = QueryDict(query)
    internal.user = AnonymousUser()
    internal._public_stamp = cache.request_stamp(request)
    match = resolve(path)
    response = match.func(internal, *match.args, **match.kwargs)
    if hasattr(response, "render") and callable(response.render):
        response.render()
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code} to the catalogue")
    return response


def _distribution(request, title, url, modified):
    response = _served(request, url)
    return Distribution(
        title=title,
        url=request.build_absolute_uri(url),
        media_type=response["Content-Type"].split(";")[0].strip(),
        byte_size=len(response.content),
        modified=modified,
    )


def _build(request):
    absolute = request.build_absolute_uri
    found = []
    for dataset in datasets.DATASETS.values():
        modified = _dataset_modified(dataset.slug)
        url = reverse("api:dataset-csv", kwargs={"slug": dataset.slug})
        found.append(
            Dataset(
                identifier=dataset.slug,
                title=dataset.title,
                description=dataset.description,
                landing_page=absolute(reverse("api:dataset-dictionary"))
                + f"#dataset-{dataset.slug}",
                modified=modified,
                distributions=(_distribution(request, datasets.file_name(dataset), url, modified),),
            )
        )

    files, report_dates = [], []
    for report in selectors.public_reports().order_by("id"):
        modified = _latest(
            _reports_modified(Report.objects.filter(pk=report.pk)),
            _comments_modified(selectors.report_comments(report)),
        )
        report_dates.append(modified)
        for fmt in DOWNLOAD_FORMATS:
            url = reverse("feedback:report-download", kwargs={"pk": report.pk, "fmt": fmt})
            title = f"{report.label} {report.title}（{fmt.upper()}）"
            files.append(_distribution(request, title, url, modified))
    found.append(
        Dataset(
            identifier="report-files",
            title="資料ごとのファイル",
            description="公開している資料ごとの表。会議資料と同じ形の Excel、CSV、JSON です。",
            landing_page=absolute(reverse("feedback:report-list")),
            modified=_latest(*report_dates),
            distributions=tuple(files),
        )
    )

    files, policy_dates = [], []
    policies = Policy.objects.filter(pk__in=policy_selectors.public_policy_ids()).order_by("id")
    for policy in policies:
        modified = _policy_modified(policy)
        policy_dates.append(modified)
        for fmt in DOWNLOAD_FORMATS:
            url = reverse(
                "policies:policy-differences-download", kwargs={"pk": policy.pk, "fmt": fmt}
            )
            files.append(
                _distribution(
                    request, f"{policy.title} 素案との差異（{fmt.upper()}）", url, modified
                )
            )
    found.append(
        Dataset(
            identifier="policy-differences",
            title="政策・計画の素案との差異",
            description="政策・計画の素案から策定版までに変わった箇所と、そのもとになった意見。",
            landing_page=absolute(reverse("feedback:open-data")) + "#dataset-policy-differences",
            modified=_latest(*policy_dates),
            distributions=tuple(files),
        )
    )

    everything = _latest(
        *(dataset.modified for dataset in found),
        PolicyVersion.objects.published().aggregate(latest=Max("updated_at"))["latest"],
    )
    schema_url = reverse("api:schema") + "?format=json"
    found.insert(
        0,
        Dataset(
            identifier="api",
            title="オープンデータAPI",
            description="すべての公開データを JSON で読み出す API（第1版）。"
            "ファイルは API の定義（OpenAPI 3.1）です。",
            landing_page=absolute(reverse("api:docs")),
            modified=everything,
            distributions=(_distribution(request, "API の定義", schema_url, everything),),
        ),
    )
    return found


def catalogue(request):
    """Every dataset with its files, made once per public data version and site address."""
    version = cache.etag(cache.request_stamp(request))
    key = f"open-data-catalogue:{version}:{request.build_absolute_uri('/')}"
    found = cache.page_cache().get(key)
    if found is None:
        found = _build(request)
        cache.page_cache().set(key, found)
    return found


# -- DCAT ----------------------------------------------------------------------------------------

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _date_time(moment):
    if moment is None:
        return None
    value = timezone.localtime(moment).isoformat(timespec="seconds")
    return {"@value": value, "@type": "xsd:dateTime"}


def _without_none(node):
    return {key: value for key, value in node.items() if value is not None}


def dcat(request, found):
    """The catalogue as DCAT in JSON-LD (a ``dict``)."""
    publisher = {
        "@type": "foaf:Organization",
        "foaf:name": city()["name"],
        "dct:identifier": city()["code"],
    }
    licence_ref = {"@id": licence()["url"]}
    return {
        "@context": CONTEXT,
        "@id": request.build_absolute_uri(reverse("feedback:open-data-catalog")),
        "@type": "dcat:Catalog",
        "dct:title": f"{settings.SITE_TITLE} オープンデータ",
        "dct:description": "審議会等の意見と市の考え方（資料）の公開データ。",
        "dct:publisher": publisher,
        "dct:license": licence_ref,
        "dct:language": {"@id": "http://id.loc.gov/vocabulary/iso639-1/ja"},
        "foaf:homepage": {"@id": request.build_absolute_uri(reverse("feedback:open-data"))},
        **_without_none({"dct:modified": _date_time(_latest(*(d.modified for d in found)))}),
        "dcat:dataset": [
            _without_none(
                {
                    "@id": request.build_absolute_uri(reverse("feedback:open-data-catalog"))
                    + f"#{dataset.identifier}",
                    "@type": "dcat:Dataset",
                    "dct:identifier": dataset.identifier,
                    "dct:title": dataset.title,
                    "dct:description": dataset.description,
                    "dct:publisher": publisher,
                    "dct:license": licence_ref,
                    "dcat:landingPage": {"@id": dataset.landing_page},
                    "dct:modified": _date_time(dataset.modified),
                    "dcat:distribution": [
                        _without_none(
                            {
                                "@type": "dcat:Distribution",
                                "dct:title": distribution.title,
                                "dcat:accessURL": {"@id": distribution.url},
                                "dcat:downloadURL": {"@id": distribution.url},
                                "dcat:mediaType": {
                                    "@id": "https://www.iana.org/assignments/media-types/"
                                    + distribution.media_type
                                },
                                "dct:format": distribution.format,
                                "dcat:byteSize": {
                                    "@value": str(distribution.byte_size),
                                    "@type": "xsd:nonNegativeInteger",
                                },
                                "dct:modified": _date_time(distribution.modified),
                                "dct:license": licence_ref,
                            }
                        )
                        for distribution in dataset.distributions
                    ],
                }
            )
            for dataset in found
        ],
    }


# As django.utils.html.json_script escapes: no text of the data can close an element.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def dcat_bytes(request, found):
    """The JSON-LD file. ``<``, ``>`` and ``&`` are written as ``\\u003C``… (the same JSON): no
    text of the data can become markup, in the file or inside the page."""
    text = json.dumps(dcat(request, found), ensure_ascii=False, indent=2)
    return text.translate(SCRIPT_ESCAPES).encode("utf-8")


def dcat_script_text(request, found):
    """The JSON-LD for a ``<script type="application/ld+json">`` element inside a page: a data
    block, which browsers never run, so the site's CSP (``script-src 'self'``) allows it."""
    # dcat_bytes writes every <, > and & as \u003C…: no text of the data can end the element.
    return mark_safe(dcat_bytes(request, found).decode())  # nosec B308 B703
