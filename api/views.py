"""The read-only open-data API, /api/v1/ (docs/open-data.md), and the catalogue's page.

Every API view reads through ``feedback.selectors`` and ``api.selectors`` (published records
only), ignores sessions and cookies (the answer is the same for a citizen and for staff),
answers GET, HEAD and OPTIONS only, carries ``Access-Control-Allow-Origin: *`` and validators
from the public change signal (``publication.stamp``), and is rate-limited per address.
``OpenDataView`` is a page of the site (``feedback:open-data``), wrapped like its others.
"""

from django.conf import settings
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import content_disposition_header, http_date, parse_http_date_safe
from django.views import View
from django.views.generic import TemplateView
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.throttling import AnonRateThrottle

from api import catalog, datasets, docs, filters, serializers
from api.selectors import public_policies, published_comments
from feedback import selectors
from feedback.models import PolicyChangeLink, ReflectionCategory
from policy.models import Passage, PolicyVersion
from publication import cache

# A record's id in a URL: 18 digits fit a bigint, so a longer one is a 404, never a database
# error.
ID = "[0-9]{1,18}"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# Exposed to scripts on other sites, which read them for conditional requests and paging.
EXPOSED_HEADERS = "ETag, Last-Modified, Retry-After"


def allow_cross_origin(response):
    """Open a read to scripts on any site (no credentials). A ``304`` needs them as much as
    the ``200``: ``publication.cache.keep_cors`` copies them onto the page cache's."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


class CursorByIdPagination(CursorPagination):
    """Pages in the order of ``id``, which never changes: a harvester walking ``next`` sees
    every record once even while records are added or edited (new ones come at the end)."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_description = "続きの位置（応答の next / previous の URL に入っています）"
    page_size_query_description = "1ページの件数（既定 100、最大 500）"
    invalid_cursor_message = (
        "cursor の値が正しくありません。next / previous の URL をそのまま使ってください。"
    )

    def get_paginated_response_schema(self, schema):
        # DRF writes OpenAPI 3.0's ``nullable``; the description is 3.1 (JSON Schema).
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "次のページの URL（最後のページでは null）"},
                "previous": {**link, "description": "前のページの URL（最初のページでは null）"},
                "results": schema,
            },
        }


class PerAddressThrottle(AnonRateThrottle):
    """Requests per client address (``settings.API_RATE_LIMIT``, e.g. ``60/min``), whoever is
    logged in: the API reads no session. The rate is read on each request so tests and
    deployments can change it in settings."""

    scope = "api"

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TooManyRequests(exceptions.Throttled):
    default_detail = (
        "アクセスが多すぎます。同じアドレスからの利用は{rate}までです。"
        " Too many requests: the limit is {rate_en} per IP address."
    )
    extra_detail_singular = extra_detail_plural = (
        "{wait}秒後に再度お試しください。 Retry after {wait} seconds."
    )

    def __init__(self, wait):
        count, period = settings.API_RATE_LIMIT.split("/")
        unit = {"s": "秒", "m": "分", "h": "時間", "d": "日"}[period[0]]
        unit_en = {"s": "second", "m": "minute", "h": "hour", "d": "day"}[period[0]]
        detail = self.default_detail.format(
            rate=f"1{unit}に{count}回", rate_en=f"{count}/{unit_en}"
        )
        super().__init__(wait, detail=detail)


class PublicApiMixin:
    """What every API view shares: anonymous, read-only, throttled, CORS, ETag/304."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [PerAddressThrottle]
    http_method_names = ["get", "head", "options"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Read before the data, so the validators can only be older than what is sent: a
        # change in between makes the next request fetch again, never keep stale data.
        self.stamp = cache.request_stamp(request._request)

    def throttled(self, request, wait):
        raise TooManyRequests(wait)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response = self._conditional(request, response)
        # After the conditional check: a 304 is a new response and needs them too.
        allow_cross_origin(response)
        if request.method == "OPTIONS":
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
        return response

    def _conditional(self, request, response):
        """Validators from the public change signal; 304 when the reader has this version."""
        response.render()
        current = getattr(self, "stamp", None) or cache.request_stamp(request._request)
        response["ETag"] = cache.etag(current)
        if current.changed_at is not None:
            response["Last-Modified"] = http_date(current.changed_at.timestamp())
        patch_cache_control(response, public=True, max_age=cache.PUBLIC_MAX_AGE)
        last_modified = response.get("Last-Modified")
        return get_conditional_response(
            request._request,
            etag=response["ETag"],
            last_modified=parse_http_date_safe(last_modified) if last_modified else None,
            response=response,
        )


ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="記録の id（一覧の各記録の id）"
)


def documented(name, description, *, detail_summary=None, detail_description=""):
    """The schema of a resource's two views: the list, 「{name}の一覧」 as ``description`` says,
    and one record, ``name`` unless ``detail_summary`` says more (its id an integer: the URL
    pattern is a string)."""
    return extend_schema_view(
        list=extend_schema(summary=f"{name}の一覧", description=description),
        retrieve=extend_schema(
            summary=detail_summary or name,
            description=detail_description,
            parameters=[ID_PARAMETER],
        ),
    )


class ReadOnlyViewSet(PublicApiMixin, viewsets.ReadOnlyModelViewSet):
    pagination_class = CursorByIdPagination
    lookup_value_regex = ID


@documented("委員会", "公開されている意見がある委員会。")
class CommitteeViewSet(ReadOnlyViewSet):
    serializer_class = serializers.CommitteeSerializer

    def get_queryset(self):
        return selectors.public_committees()


@documented("委員", "公開されている意見がある委員（Popolo の person と membership の形）。")
class MemberViewSet(ReadOnlyViewSet):
    serializer_class = serializers.MemberSerializer
    filterset_class = filters.MemberFilter

    def get_queryset(self):
        return selectors.public_members()


@documented("会議", "公開されている意見が出た会議。")
class MeetingViewSet(ReadOnlyViewSet):
    serializer_class = serializers.MeetingSerializer
    filterset_class = filters.MeetingFilter

    def get_queryset(self):
        return selectors.public_meeting_records()  # with attendees, for the record's fields


@documented("政策・計画", "公開されている意見の対象になった政策・計画と、その対象項目。")
class PolicyViewSet(ReadOnlyViewSet):
    serializer_class = serializers.PolicySerializer

    def get_queryset(self):
        return public_policies()


@documented("対象項目", "公開されている意見の対象項目。")
class PolicyItemViewSet(ReadOnlyViewSet):
    serializer_class = serializers.PolicyItemSerializer
    filterset_class = filters.PolicyItemFilter

    def get_queryset(self):
        return selectors.public_policy_items()


@documented("対応区分", "反映・参考など、市の対応の区分。")
class CategoryViewSet(ReadOnlyViewSet):
    serializer_class = serializers.CategorySerializer

    def get_queryset(self):
        return ReflectionCategory.objects.all()


@documented(
    "資料",
    "公開されている資料。行（意見）は各資料の詳細にあります。",
    detail_summary="資料（行つき）",
    detail_description="資料と、その公開されている行（意見・市の考え方・対応区分・対応状況）。",
)
class ReportViewSet(ReadOnlyViewSet):
    filterset_class = filters.ReportFilter

    def get_queryset(self):
        return selectors.public_reports()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ReportDetailSerializer
        return serializers.ReportSerializer


@documented(
    "意見",
    "公開されている意見と、市の考え方・対応区分・対応状況の経過。"
    "公開サイトの検索と同じ条件で絞り込めます。",
)
class RemarkViewSet(ReadOnlyViewSet):
    serializer_class = serializers.RemarkSerializer
    filterset_class = filters.RemarkFilter

    def get_queryset(self):
        return published_comments()


@documented(
    "政策・計画の版", "公開されている版（素案、案、策定版など）。文章は段落の一覧にあります。"
)
class PolicyVersionViewSet(ReadOnlyViewSet):
    serializer_class = serializers.PolicyVersionSerializer
    filterset_class = filters.PolicyVersionFilter

    def get_queryset(self):
        return PolicyVersion.objects.published().select_related("policy")


@documented(
    "版の段落",
    "公開されている版の文章（見出しと本文）。version で版を指定し、"
    "position の順に並べると文書の順になります。",
)
class PassageViewSet(ReadOnlyViewSet):
    serializer_class = serializers.PassageSerializer
    filterset_class = filters.PassageFilter

    def get_queryset(self):
        return Passage.objects.published()


@documented(
    "意見による政策・計画の変更",
    "意見（市の考え方）によって変わった文章の箇所: 変更前と変更後の段落。"
    "意見と、名前の出る版がすべて公開されているものだけです。",
)
class PolicyChangeViewSet(ReadOnlyViewSet):
    serializer_class = serializers.PolicyChangeSerializer
    filterset_class = filters.PolicyChangeFilter

    def get_queryset(self):
        return PolicyChangeLink.objects.published().annotate(
            policy_id=Coalesce("new_passage__version__policy_id", "old_passage__version__policy_id")
        )


class SchemaView(PublicApiMixin, SpectacularAPIView):
    """The OpenAPI 3.1 description, at a fixed URL: YAML, or JSON by ``?format=json`` or
    ``Accept``."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # One URL, two representations chosen by Accept: caches must keep them apart.
        patch_vary_headers(response, ["Accept"])
        return response


class DatasetDictionaryView(TemplateView):
    """The column dictionary of the CSV datasets: 項目名, 型, 説明, 例, from the definitions
    the files are written with."""

    template_name = "api/datasets.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["datasets"] = [
            (dataset, datasets.file_name(dataset)) for dataset in datasets.DATASETS.values()
        ]
        context["city_code"], context["city_name"] = settings.CITY_CODE, settings.CITY_NAME
        return context


class DatasetView(View):
    """One dataset as CSV (published records only), open to scripts on other sites."""

    def get(self, request, slug):
        dataset = datasets.DATASETS.get(slug)
        if dataset is None:
            raise Http404("no such dataset")
        content = datasets.write_csv(dataset, base_url=request.build_absolute_uri("/").rstrip("/"))
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=datasets.file_name(dataset)
        )
        return allow_cross_origin(response)


class CatalogJsonLdView(View):
    """The open-data catalogue as DCAT in JSON-LD (``api.catalog``), open to other sites."""

    def get(self, request):
        content = catalog.dcat_bytes(request, catalog.catalogue(request))
        response = HttpResponse(content, content_type="application/ld+json; charset=utf-8")
        return allow_cross_origin(response)


class OpenDataView(TemplateView):
    """The open-data catalogue page (``feedback:open-data``, beside the site's other pages):
    every dataset's files with URL, format, licence, update date and size, and the same as
    DCAT JSON-LD in the page."""

    template_name = "feedback/open_data.html"

    def get_context_data(self, **kwargs):
        found = catalog.catalogue(self.request)
        return super().get_context_data(
            datasets=found,
            licence=catalog.licence(),
            city=catalog.city(),
            jsonld=catalog.dcat_script_text(self.request, found),
            **kwargs,
        )


class DocsView(TemplateView):
    """The API's documentation in Japanese, rendered from the same OpenAPI description: a
    plain page under the site's own CSP (no script, nothing from a CDN)."""

    template_name = "api/docs.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        base = self.request.build_absolute_uri("/api/v1/").rstrip("/")
        context.update(
            endpoints=docs.endpoints(base),
            rate_limit=settings.API_RATE_LIMIT,
            schema_url=base + "/schema/",
            api_root=base + "/",
        )
        return context
