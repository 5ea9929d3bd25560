"""The API's representations. Field names are English and fixed (API version 1); every field
has a Japanese description, which the OpenAPI document and the documentation page show.

Members follow Popolo (https://www.popoloproject.com/specs/): a person (``name``,
``name_kana``) with a membership (``role``, ``start_date``, ``end_date``) of an organization
(the committee).
"""

import datetime

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from api import selectors
from feedback import table, wareki
from feedback.models import (
    CityResponse,
    Comment,
    Committee,
    FollowUp,
    Meeting,
    Member,
    PolicyChangeLink,
    ReflectionCategory,
    Report,
)
from policy import textdiff
from policy.models import Passage, Policy, PolicyItem, PolicyVersion


class SiteUrlField(serializers.Field):
    """The record's page on the public site, as an absolute URL."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "公開サイトでのこの記録のページ（絶対URL）")
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        request = self.context.get("request")
        path = value.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


extend_schema_field(OpenApiTypes.URI)(SiteUrlField)


class WarekiDateField(serializers.Field):
    """A date in 和暦 beside the ISO field of the same record (「令和3年4月1日」)."""

    def __init__(self, source, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(source=source, **kwargs)

    def to_representation(self, value):
        return wareki.format_date(value) if value else None


extend_schema_field({"type": ["string", "null"], "example": "令和3年4月1日"})(WarekiDateField)


class CommitteeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Committee
        fields = ["id", "name"]
        extra_kwargs = {"name": {"help_text": "委員会の名称"}}


class CommitteeSerializer(serializers.ModelSerializer):
    url = SiteUrlField()
    classification = serializers.SerializerMethodField(
        help_text="Popolo の organization の分類（常に「委員会」）"
    )

    class Meta:
        model = Committee
        fields = ["id", "name", "classification", "description", "url"]
        extra_kwargs = {
            "name": {"help_text": "委員会の名称"},
            "description": {"help_text": "説明"},
        }

    def get_classification(self, committee) -> str:
        return "委員会"


class MembershipSerializer(serializers.ModelSerializer):
    """委員会での役職と任期（Popolo の membership）。"""

    organization = CommitteeRefSerializer(
        source="committee", read_only=True, help_text="所属する委員会（Popolo organization）"
    )
    role = serializers.CharField(
        source="get_role_display", read_only=True, help_text="役職（委員長・副委員長・委員）"
    )
    role_code = serializers.CharField(
        source="role", read_only=True, help_text="役職の固定値（chair, vice_chair, member）"
    )
    start_date = serializers.DateField(
        source="term_start", read_only=True, allow_null=True, help_text="任期開始日（ISO 8601）"
    )
    end_date = serializers.DateField(
        source="term_end", read_only=True, allow_null=True, help_text="任期終了日（ISO 8601）"
    )

    class Meta:
        model = Member
        fields = ["organization", "role", "role_code", "start_date", "end_date"]


class MemberSerializer(serializers.ModelSerializer):
    """委員（Popolo の person と、その membership）。"""

    display_name = serializers.CharField(
        read_only=True, help_text="資料に印刷される名前（例: 秋山委員）"
    )
    membership = MembershipSerializer(source="*", read_only=True)
    url = SiteUrlField()

    class Meta:
        model = Member
        fields = ["id", "name", "name_kana", "display_name", "membership", "url"]
        extra_kwargs = {
            "name": {"help_text": "氏名（資料の表記どおり。多くは姓のみ）"},
            "name_kana": {"help_text": "よみがな（ひらがな。五十音順の並べ替えに使う）"},
        }


class MemberRefSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True, help_text="資料に印刷される名前")

    class Meta:
        model = Member
        fields = ["id", "name", "name_kana", "display_name"]


class MeetingSerializer(serializers.ModelSerializer):
    committee = CommitteeRefSerializer(read_only=True, help_text="会議を開いた委員会")
    name = serializers.CharField(
        read_only=True, help_text="会議名（例: 令和2年度第2回平塚市行政改革推進委員会）"
    )
    fiscal_year_label = serializers.CharField(read_only=True, help_text="年度（和暦）")
    held_on_wareki = WarekiDateField(source="held_on", help_text="開催日（和暦）")
    agenda = serializers.ListField(
        source="agenda_items",
        child=serializers.CharField(),
        read_only=True,
        help_text="議題（次第の順）",
    )
    attendees = serializers.SerializerMethodField(help_text="出席委員（五十音順）")
    absentees = serializers.SerializerMethodField(
        help_text="欠席委員（五十音順。記録した委員のみ）"
    )
    minutes_url = serializers.CharField(
        source="minutes_link", read_only=True, help_text="会議録のURL（https。ないときは空文字）"
    )
    url = SiteUrlField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "name",
            "committee",
            "fiscal_year",
            "fiscal_year_label",
            "number",
            "held_on",
            "held_on_wareki",
            "place",
            "agenda",
            "attendees",
            "absentees",
            "department",
            "department_phone",
            "department_email",
            "minutes_url",
            "url",
        ]
        extra_kwargs = {
            "fiscal_year": {"help_text": "年度の始まる西暦年（令和2年度なら 2020）"},
            "number": {"help_text": "その年度の第何回か"},
            "held_on": {"help_text": "開催日（ISO 8601）"},
            "place": {"help_text": "開催場所"},
            "department": {"help_text": "所管課"},
            "department_phone": {"help_text": "所管課の電話番号"},
            "department_email": {"help_text": "所管課のメールアドレス"},
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_attendees(self, meeting):
        """Names as the tables print them (「秋山委員」); members are not all public records,
        so no id or link here (the meeting page links those who have one)."""
        return [member.display_name for member in meeting.attendees.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_absentees(self, meeting):
        """As ``attendees``: the members the secretariat recorded absent."""
        return [member.display_name for member in meeting.absentees.all()]


class MeetingRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="会議名")

    class Meta:
        model = Meeting
        fields = ["id", "name", "fiscal_year", "number", "held_on"]


class PolicyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Policy
        fields = ["id", "title"]
        extra_kwargs = {"title": {"help_text": "政策・計画の名称"}}


class PolicyItemSerializer(serializers.ModelSerializer):
    policy = PolicyRefSerializer(read_only=True, help_text="対象項目を含む政策・計画")
    kind = serializers.CharField(
        source="get_kind_display", read_only=True, help_text="種別（文書全体、章・項目）"
    )
    url = SiteUrlField()

    class Meta:
        model = PolicyItem
        fields = ["id", "heading", "kind", "parent", "order", "policy", "url"]
        extra_kwargs = {
            "heading": {"help_text": "対象項目の見出し（資料の表記どおり）"},
            "parent": {"help_text": "上位の対象項目の id"},
            "order": {"help_text": "表示順"},
        }


class PolicyItemRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyItem
        fields = ["id", "heading"]


class PolicySerializer(serializers.ModelSerializer):
    stage = serializers.CharField(
        source="get_stage_display", read_only=True, help_text="段階（素案、策定）"
    )
    # Not a URLField: a blank one becomes ``oneOf`` [uri, empty string] in the description,
    # which both match when the URL is empty.
    url = serializers.CharField(
        read_only=True, help_text="市の公開ページの URL（ないときは空文字）"
    )
    items = PolicyItemRefSerializer(
        source="public_items", many=True, read_only=True, help_text="意見が公開されている対象項目"
    )

    class Meta:
        model = Policy
        fields = ["id", "title", "stage", "adopted_on", "url", "description", "items"]
        extra_kwargs = {
            "title": {"help_text": "政策・計画の名称"},
            "adopted_on": {"help_text": "策定日（ISO 8601）"},
            "description": {"help_text": "概要"},
        }


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ReflectionCategory
        fields = ["id", "name", "description", "order"]
        extra_kwargs = {
            "name": {"help_text": "対応区分の名称（反映、参考など）"},
            "description": {"help_text": "説明"},
            "order": {"help_text": "表示順"},
        }


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReflectionCategory
        fields = ["id", "name"]


# The remark's ``answer`` object: the published name, in the schema too (docs/domain.md).
@extend_schema_serializer(component_name="Answer")
class CityResponseSerializer(serializers.ModelSerializer):
    body = serializers.CharField(read_only=True, help_text="市の考え方")
    category = CategoryRefSerializer(read_only=True, allow_null=True, help_text="対応区分")

    class Meta:
        model = CityResponse
        fields = ["body", "category", "updated_at"]


class FollowUpSerializer(serializers.ModelSerializer):
    recorded_on_wareki = WarekiDateField(source="recorded_on", help_text="記録日（和暦）")

    class Meta:
        model = FollowUp
        fields = ["id", "recorded_on", "recorded_on_wareki", "body", "updated_at"]
        extra_kwargs = {
            "recorded_on": {"help_text": "記録日（ISO 8601。資料に日付がないときは null）"},
            "body": {"help_text": "対応状況"},
        }


class RemarkSerializer(serializers.ModelSerializer):
    """意見、質問等と、市の考え方・対応区分・対応状況の経過。"""

    meeting = MeetingRefSerializer(read_only=True, help_text="意見が出た会議")
    committee = CommitteeRefSerializer(
        source="meeting.committee", read_only=True, help_text="委員会"
    )
    member = MemberRefSerializer(read_only=True, help_text="委員名")
    policy = PolicyRefSerializer(source="policy_item.policy", read_only=True)
    policy_item = PolicyItemRefSerializer(read_only=True, help_text="対象項目")
    body = serializers.CharField(read_only=True, help_text="意見、質問等")
    answer = serializers.SerializerMethodField(help_text="市の考え方と対応区分（未回答は null）")
    follow_ups = FollowUpSerializer(
        many=True, read_only=True, help_text="対応状況の経過（古い順。最後が最新）"
    )
    updated_at = serializers.SerializerMethodField(
        help_text="意見・市の考え方・対応状況のうち最後に更新された日時（ISO 8601）"
    )
    url = SiteUrlField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "number",
            "meeting",
            "committee",
            "member",
            "policy",
            "policy_item",
            "body",
            "answer",
            "follow_ups",
            "published_at",
            "updated_at",
            "url",
        ]
        extra_kwargs = {
            "number": {"help_text": "会議の中での意見の番号（No.）"},
            "published_at": {"help_text": "公開日時（ISO 8601）"},
        }

    @extend_schema_field(CityResponseSerializer(allow_null=True))
    def get_answer(self, comment):
        response = getattr(comment, "response", None)
        return CityResponseSerializer(response, context=self.context).data if response else None

    def get_updated_at(self, comment) -> datetime.datetime:
        # The latest save of the remark, its answer or a follow-up: what ``updated_since``
        # filters on (api.selectors.changed_since).
        latest = table.updated_at(comment, comment.follow_ups.all())
        return serializers.DateTimeField().to_representation(latest)


class ReportRowSerializer(RemarkSerializer):
    position = serializers.IntegerField(read_only=True, help_text="資料の中での掲載順")

    class Meta(RemarkSerializer.Meta):
        fields = ["position", *RemarkSerializer.Meta.fields]


class ReportSerializer(serializers.ModelSerializer):
    meeting = MeetingRefSerializer(read_only=True, allow_null=True, help_text="提出した会議")
    presented_on_wareki = WarekiDateField(source="presented_on", help_text="提出日（和暦）")
    url = SiteUrlField()

    class Meta:
        model = Report
        fields = [
            "id",
            "label",
            "title",
            "meeting",
            "presented_on",
            "presented_on_wareki",
            "remarks_heading",
            "response_heading",
            "published_at",
            "url",
        ]
        extra_kwargs = {
            "label": {"help_text": "資料番号（例: 資料2）"},
            "title": {"help_text": "表題"},
            "presented_on": {"help_text": "提出日（ISO 8601）"},
            "remarks_heading": {"help_text": "表の見出し（意見と市の考え方）"},
            "response_heading": {"help_text": "表の見出し（対応区分と対応状況）"},
            "published_at": {"help_text": "公開日時（ISO 8601）"},
        }


class ReportDetailSerializer(ReportSerializer):
    rows = serializers.SerializerMethodField(help_text="資料の行（公開されている意見のみ、掲載順）")

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "rows"]

    @extend_schema_field(ReportRowSerializer(many=True))
    def get_rows(self, report):
        return ReportRowSerializer(
            selectors.report_rows(report), many=True, context=self.context
        ).data


class PolicyVersionSerializer(serializers.ModelSerializer):
    """政策・計画の公開されている版（素案、案、策定版など）。"""

    policy = PolicyRefSerializer(read_only=True, help_text="版の政策・計画")
    stage = serializers.CharField(
        source="get_stage_display", read_only=True, help_text="段階（素案、案、策定版）"
    )
    stage_code = serializers.CharField(
        source="stage", read_only=True, help_text="段階の固定値（draft, proposal, adopted）"
    )
    dated_on_wareki = WarekiDateField(source="dated_on", help_text="版の日付（和暦）")
    url = serializers.SerializerMethodField(
        help_text="公開サイトでの政策・計画のページ（素案との差異）の絶対URL"
    )

    class Meta:
        model = PolicyVersion
        fields = [
            "id",
            "policy",
            "name",
            "stage",
            "stage_code",
            "dated_on",
            "dated_on_wareki",
            "order",
            "published_at",
            "url",
        ]
        extra_kwargs = {
            "name": {"help_text": "版の名称（「素案」「策定版」など）"},
            "dated_on": {"help_text": "版の日付（ISO 8601）"},
            "order": {"help_text": "政策・計画の中での版の順（小さいほど前の版）"},
            "published_at": {"help_text": "公開日時（ISO 8601）"},
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, version):
        path = reverse("policies:policy-detail", kwargs={"pk": version.policy_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class PassageSerializer(serializers.ModelSerializer):
    """公開されている版の文章の段落（見出しまたは本文）。"""

    kind = serializers.CharField(
        source="get_kind_display", read_only=True, help_text="種別（見出し、本文）"
    )
    kind_code = serializers.CharField(
        source="kind", read_only=True, help_text="種別の固定値（heading, paragraph）"
    )
    headings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="この段落より上位の見出し（外側から順に）",
    )

    class Meta:
        model = Passage
        fields = ["id", "version", "position", "kind", "kind_code", "level", "headings", "text"]
        extra_kwargs = {
            "version": {"help_text": "段落を含む版の id"},
            "position": {"help_text": "版の中での位置（1から、文書の順）"},
            "level": {"help_text": "見出しの階層（1が章）。本文は0"},
            "text": {"help_text": "段落の文章（版の表記どおり）"},
        }


class PolicyChangeSerializer(serializers.ModelSerializer):
    """意見（市の考え方）によって政策・計画の文章が変わった箇所。"""

    remark = serializers.IntegerField(
        source="comment_id", read_only=True, help_text="変更のもとになった意見の id"
    )
    policy = serializers.IntegerField(
        source="policy_id", read_only=True, help_text="変更された政策・計画の id"
    )
    kind = serializers.SerializerMethodField(
        help_text="変更の種類（changed: 変更、added: 追加、removed: 削除）"
    )

    class Meta:
        model = PolicyChangeLink
        fields = ["id", "remark", "policy", "old_passage", "new_passage", "kind", "order"]
        extra_kwargs = {
            "old_passage": {"help_text": "変更前の段落の id（追加のときは null）"},
            "new_passage": {"help_text": "変更後の段落の id（削除のときは null）"},
            "order": {"help_text": "同じ意見の中での表示順"},
        }

    @extend_schema_field(
        {"type": "string", "enum": [textdiff.CHANGED, textdiff.ADDED, textdiff.REMOVED]}
    )
    def get_kind(self, link):
        if link.old_passage_id is None:
            return textdiff.ADDED
        if link.new_passage_id is None:
            return textdiff.REMOVED
        return textdiff.CHANGED
