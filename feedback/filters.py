"""The public filters: member, policy item, 対応区分 and keyword, as plain GET parameters.

The choices are handed in as lists the view has already read (published records only), so
validating a request costs no query and a member with only draft remarks is never an option.
"""

import django_filters
from django import forms

from feedback.search import keyword_condition

INVALID_CHOICE = "指定された%(label)sは選べません。一覧から選び直してください。"


def _choice_filter(label, field_name):
    return django_filters.ChoiceFilter(
        label=label,
        field_name=field_name,
        empty_label="すべて",
        error_messages={"invalid_choice": INVALID_CHOICE % {"label": label}},
    )


class CommentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="キーワード",
        method="filter_keyword",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
        error_messages={"max_length": "キーワードは100文字以内で入力してください。"},
    )
    member = _choice_filter("委員", "member")
    item = _choice_filter("対象項目", "policy_item")
    category = _choice_filter("対応区分", "response__category")

    def __init__(self, data=None, queryset=None, *, members=(), items=(), categories=(), **kw):
        super().__init__(data, queryset, **kw)
        self.filters["member"].extra["choices"] = [(str(m.pk), m.display_name) for m in members]
        self.filters["item"].extra["choices"] = [(str(i.pk), i.heading) for i in items]
        self.filters["category"].extra["choices"] = [(str(c.pk), c.name) for c in categories]

    def filter_keyword(self, queryset, name, value):
        return queryset.filter(keyword_condition(value)) if value.strip() else queryset

    @property
    def is_active(self):
        """Whether any filter has a value: the page then says what it is showing."""
        return self.is_bound and any(self.data.get(name) for name in self.filters)

    @property
    def error_messages(self):
        return [message for errors in self.errors.values() for message in errors]
