"""The API's filters: the public site's (committee, meeting, 年度, member, policy item, 対応区分,
keyword) plus ``updated_since`` for harvesters.

Ids are plain numbers, not choices checked against the database: an id of a draft record then
gives an empty list exactly as an id that does not exist does, so no answer (not even a 400)
tells a reader that a draft exists.
"""

import django_filters
from django import forms

from api import selectors
from feedback.search import keyword_condition

# Larger ids do not fit a bigint: refused with a 400 before they reach the database.
MAX_ID = 2**63 - 1


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


def _id(label, field_name):
    return IntegerFilter(field_name=field_name, label=label, min_value=1, max_value=MAX_ID)


def _fiscal_year(label, field_name):
    return IntegerFilter(field_name=field_name, label=label, min_value=1868, max_value=9999)


class RemarkFilter(django_filters.FilterSet):
    committee = _id("委員会の id", "meeting__committee")
    meeting = _id("会議の id", "meeting")
    fiscal_year = _fiscal_year("年度（始まる西暦年。令和2年度なら 2020）", "meeting__fiscal_year")
    member = _id("委員の id", "member")
    policy_item = _id("対象項目の id", "policy_item")
    category = _id("対応区分の id", "response__category")
    q = django_filters.CharFilter(
        method="filter_keyword",
        max_length=100,
        label="キーワード（空白で区切ると全てを含む意見。全角半角・かなカナの違いは無視）",
    )
    updated_since = django_filters.IsoDateTimeFilter(
        method="filter_updated_since",
        label="この日時（ISO 8601、例: 2026-04-01T00:00:00+09:00）以降に意見・市の考え方・"
        "対応状況のいずれかが更新された意見",
    )

    def filter_keyword(self, queryset, name, value):
        if not value.strip():
            return queryset
        # Published remarks only (RemarkViewSet): all hold their index pieces.
        return queryset.filter(keyword_condition(value, published=True))

    def filter_updated_since(self, queryset, name, value):
        return queryset.filter(selectors.changed_since(value))


class MemberFilter(django_filters.FilterSet):
    committee = _id("委員会の id", "committee")


class MeetingFilter(django_filters.FilterSet):
    committee = _id("委員会の id", "committee")
    fiscal_year = _fiscal_year("年度（西暦）", "fiscal_year")


class PolicyItemFilter(django_filters.FilterSet):
    policy = _id("政策・計画の id", "policy")


class ReportFilter(django_filters.FilterSet):
    meeting = _id("提出した会議の id", "meeting")
    committee = _id("委員会の id", "meeting__committee")
    fiscal_year = _fiscal_year("年度（西暦）", "meeting__fiscal_year")


class PolicyVersionFilter(django_filters.FilterSet):
    policy = _id("政策・計画の id", "policy")


class PassageFilter(django_filters.FilterSet):
    version = _id("版の id", "version")
    policy = _id("政策・計画の id", "version__policy")


class PolicyChangeFilter(django_filters.FilterSet):
    remark = _id("意見の id", "comment")
    policy = _id("政策・計画の id", "comment__policy_item__policy")
