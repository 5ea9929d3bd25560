"""The public filters: member, policy item, 対応区分 and keyword, as plain GET parameters.

The choices come from a selector (``selectors.report_filter`` / ``selectors.search_filter``:
published records only, so a member with only draft remarks is never an option). They are read
when the form is first needed, so an unfiltered download reads none, and a request is validated
without a query of its own.
"""

import html

import django_filters
from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from feedback.search import keyword_condition

INVALID_CHOICE = "指定された%(label)sは選べません。一覧から選び直してください。"


class PlainSelect(forms.Select):
    """A ``<select>`` of one choice written out directly: the elements and attributes Django's
    ``Select`` writes, without its two templates per ``<option>`` (a 資料's filter has about two
    hundred options, rendered on every cold page), each option joined as text with its value
    and label escaped (a ``format_html`` per option took 20 ms of a cold 資料 page)."""

    def render(self, name, value, attrs=None, renderer=None):
        wanted = self.format_value(value)
        options, selected = [], False
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            chosen = not selected and option_value in wanted
            selected = selected or chosen
            options.append(
                f'<option value="{html.escape(option_value)}"{" selected" if chosen else ""}>'
                f"{html.escape(str(label))}</option>"
            )
        # In the order given, as Django's attrs.html writes them (flatatt would sort them).
        written = [
            format_html(" {}", key) if item is True else format_html(' {}="{}"', key, item)
            for key, item in self.build_attrs(self.attrs, attrs).items()
            if item is not False
        ]
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            format_html_join("", "{}", ((part,) for part in written)),
            mark_safe("".join(options)),  # nosec B308 B703 - each value and label escaped
        )


def _choice_filter(label, field_name):
    return django_filters.ChoiceFilter(
        label=label,
        field_name=field_name,
        empty_label="すべて",
        widget=PlainSelect,
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

    def __init__(self, data=None, queryset=None, *, choices, **kwargs):
        """``choices`` is called once, when the form is built: it returns a
        ``selectors.FilterChoices`` (members, policy items and categories, already read)."""
        super().__init__(data, queryset, **kwargs)
        self.choices = choices

    def get_form_class(self):
        choices = self.choices()
        self.filters["member"].extra["choices"] = [
            (str(m.pk), m.display_name) for m in choices.members
        ]
        self.filters["item"].extra["choices"] = [(str(i.pk), i.heading) for i in choices.items]
        self.filters["category"].extra["choices"] = [
            (str(c.pk), c.name) for c in choices.categories
        ]
        return super().get_form_class()

    def filter_keyword(self, queryset, name, value):
        if not value.strip():
            return queryset
        # Published remarks only (selectors): all hold their index pieces.
        return queryset.filter(
            keyword_condition(value, common=self.common_keywords, published=True)
        )

    #: Whether the keywords are known to match many remarks (``search.keyword_condition``).
    common_keywords = False

    def common_qs(self):
        """``qs`` again, for keywords known to match many remarks (``common_keywords``): the
        same rows, found by walking them in their order instead of through the index. The
        form is already validated: no query of its own."""
        return self.matching(self.queryset, common=True)

    def matching(self, remarks, *, common=False):
        """``remarks`` (a ``Comment`` queryset) narrowed by this bound, valid filter, keywords
        through the index or, ``common``, without it (``common_qs``); unbound, all of them."""
        if not self.is_bound:
            return remarks.all()
        self.common_keywords = common
        try:
            return self.filter_queryset(remarks.all())
        finally:
            self.common_keywords = False

    @property
    def is_active(self):
        """Whether any filter has a value: the page then says what it is showing."""
        return self.is_bound and any(self.data.get(name) for name in self.filters)

    @property
    def error_messages(self):
        return [message for errors in self.errors.values() for message in errors]
