"""The staff admin, in Japanese: editing, review before publication, history, no lost updates.

- Publication state (``status``, ``published_at``, ``published_by``) is never a form field;
  ``save_model`` also copies it back from the database, so neither a crafted POST nor a
  history revert can change it. Only ``feedback.services`` publishes.
- ``Comment`` and ``Report`` carry a ``version``: a form opened at an older version is refused
  with a message (``VersionedForm``), and ``save_model`` raises the version with a conditional
  UPDATE. Every save of a remark's page raises it, so changes to its inlines count too.
- Published records, and the rows under them, are deleted only by users with
  ``feedback.delete_published`` (システム管理者); ``delete_queryset`` guards the bulk action.
"""

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, F, Max, OuterRef, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from feedback import excel, permissions, review, table
from feedback.admin_export import export_workbook, workbook_response
from feedback.admin_import import FeedbackImportMixin, PasteMixin, numeric_object_id
from feedback.admin_lineage import DraftNextReportMixin
from feedback.admin_paging import ChangelistPaginator, PagingMixin, is_autocomplete
from feedback.admin_policy_links import policy_change_link_inline
from feedback.admin_review import PendingChangeFilter
from feedback.admin_snapshots import ReportSnapshotAdminMixin
from feedback.admin_widgets import (
    CommentRowAutocomplete,
    CommentRowAutocompleteJsonView,
    comment_row_label,
    read_only_reason,
    search_with_meeting_terms,
)
from feedback.models import (
    ChangeRequest,
    CityResponse,
    Comment,
    Committee,
    FollowUp,
    Meeting,
    MeetingAbsence,
    MeetingAttendance,
    Member,
    ReflectionCategory,
    Report,
    ReportEntry,
)
from feedback.search import keyword_condition, refresh_search_text
from feedback.selectors import report_comments
from feedback.services import (
    change_request_save,
    comments_hide_unlisted,
    comments_set_category,
    meeting_set_attendees,
    record_save,
    report_append_meeting_comments,
    report_publish,
    report_unanswered_comments,
    report_unpublish,
)
from policy import admin as policy_admin
from policy.models import PolicyItem
from publication import history_display, versioning
from publication.admin import DATE_FORMFIELD_OVERRIDES, VersionedAdmin
from publication.dates import FiscalYearField

PUBLICATION_FIELDS = list(versioning.PUBLICATION_FIELDS)
# What the publish confirmation page showed, signed; it is good for a working day.
PUBLISH_REVIEW_SALT = "feedback.report.publish-review"
PUBLISH_REVIEW_MAX_AGE = 12 * 60 * 60


class PublicNameReviewMixin:
    """Saves through ``services.record_save``, which keeps this app's rights rules, and answers
    a save that became a proposal (変更案: a remark's, or a public name's) with its page.

    A named record citizens read now (``review.has_public_name``) saved by an 入力担当 becomes
    a proposal (変更案) that an approver reviews; its page says so, and while a proposal is
    open the record is edited on the proposal's page (one proposal per record).
    """

    def save_record(self, request, obj, *, expected_version, reason=""):
        saved = record_save(
            obj=obj,
            by=request.user,
            expected_version=expected_version,
            reason=reason,
            many=getattr(request, "_form_many", None),
        )
        if isinstance(saved, ChangeRequest):
            request._change_request = saved
        return saved

    # A many-to-many field the form edits under another name (a meeting's 出席委員).
    many_form_fields = {}

    def save_model(self, request, obj, form, change):
        names = {field.name: field.name for field in obj._meta.many_to_many}
        names.update(self.many_form_fields)
        request._form_many = {
            field: form.cleaned_data[name]
            for field, name in names.items()
            if name in form.cleaned_data
        }
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if getattr(request, "_change_request", None) is not None:
            return  # proposed, not saved: the many-to-many values are in the proposal
        super().save_related(request, form, formsets, change)

    def _reviews_names(self, request, obj):
        return (
            obj is not None
            and not permissions.can_correct_published(request.user)
            and review.has_public_name(obj)
        )

    def has_change_permission(self, request, obj=None):
        if (
            self._reviews_names(request, obj)
            and ChangeRequest.objects.open().for_record(obj).exists()
        ):
            return False
        return super().has_change_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and str(object_id).isdigit():
            obj = self.get_object(request, object_id)
            if self._reviews_names(request, obj):
                proposal = ChangeRequest.objects.open().for_record(obj).first()
                if proposal is not None:
                    url = reverse("admin:feedback_changerequest_change", args=[proposal.pk])
                    self.message_user(
                        request,
                        format_html(
                            '{} <a href="{}">{}</a>',
                            gettext("この記録には承認待ちの変更案があります。"),
                            url,
                            gettext("変更案を開いて編集する"),
                        ),
                        messages.WARNING,
                    )
                else:
                    self.message_user(
                        request,
                        gettext(
                            "この記録は公開中の意見に表示されています。保存すると変更案として"
                            "記録され、承認者が承認するまで公開中の表示は変わりません。"
                        ),
                        messages.INFO,
                    )
        return super().change_view(request, object_id, form_url, extra_context)

    def construct_change_message(self, request, form, formsets, add=False):
        if getattr(request, "_change_request", None) is not None:
            return [{"changed": {"fields": [gettext("変更案")]}}]
        return super().construct_change_message(request, form, formsets, add)

    def response_change(self, request, obj):
        change_request = getattr(request, "_change_request", None)
        if change_request is None:
            return super().response_change(request, obj)
        self.message_user(
            request,
            gettext(
                "変更案を保存しました。承認者が承認すると公開されます"
                "（それまで公開中の内容は変わりません）。"
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:feedback_changerequest_change", args=[change_request.pk])
        )


class FeedbackVersionedAdmin(PagingMixin, PublicNameReviewMixin, VersionedAdmin):
    """The admin base of this app's records with history; their autocompletes never count."""


class PublishableAdmin(FeedbackVersionedAdmin):
    """Shared rules for ``Comment`` and ``Report``: read-only state, deletion."""

    readonly_fields = PUBLICATION_FIELDS

    def has_change_permission(self, request, obj=None):
        # Editors change drafts; a published record is changed by those who may publish (and
        # change): every published word is an approved one. Editors see it read-only.
        if obj is not None and obj.is_published and not permissions.can_publish(request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if (
            obj is not None
            and obj.is_published
            and not permissions.can_delete_published(request.user)
        ):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        if queryset.published().exists() and not permissions.can_delete_published(request.user):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    # Say at the top why a published record's page is read-only (remarks say it in their own
    # template: an editor proposes changes to them instead).
    explain_read_only = True

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Say at the top why the page is read-only, before the editor looks for a save button.
        if request.method == "GET" and self.explain_read_only:
            obj = self.get_object(request, object_id)
            reason = obj is not None and read_only_reason(request.user, obj)
            if reason:
                self.message_user(request, reason, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)


class ChildOfPublishedInline:
    """Rows under a published record: added or changed only by those who may change the record
    itself (on a remark, an 入力担当's change is a proposal), deleted only by those who may
    delete published records."""

    def _parent_locked(self, request, obj):
        if obj is None or not obj.is_published:
            return False
        return not self.admin_site._registry[type(obj)].has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return not self._parent_locked(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._parent_locked(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if (
            obj is not None
            and obj.is_published
            and not permissions.can_delete_published(request.user)
        ):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Committee)
class CommitteeAdmin(FeedbackVersionedAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    ordering = ["name"]


@admin.register(Member)
class MemberAdmin(FeedbackVersionedAdmin):
    list_display = ["name", "name_kana", "role", "committee", "term_start", "term_end"]
    list_filter = ["committee", "role"]
    search_fields = ["name", "name_kana"]
    autocomplete_fields = ["committee"]
    list_select_related = ["committee"]
    ordering = ["name_kana", "name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        refresh_search_text(obj.comments.values_list("pk", flat=True))  # search_text


class MeetingCommentInline(admin.TabularInline):
    """The remarks of a meeting, listed; each is edited on its own page (with its version)."""

    model = Comment
    fields = ["number", "member", "policy_item", "body", "status"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False
    ordering = ["number"]

    def has_add_permission(self, request, obj=None):
        return False


class MeetingForm(versioning.VersionedForm):
    """The meeting with its attendance: checkboxes of the committee's members present (出席委員)
    and absent (欠席委員).

    ``Meeting.attendees`` and ``Meeting.absentees`` go through models with history
    (``MeetingAttendance``, ``MeetingAbsence``), which a ModelForm cannot edit: this form's
    ``present_members`` and ``absent_members`` are handed by ``MeetingAdmin.save_related`` to
    ``services.meeting_set_attendees``.
    """

    present_members = forms.ModelMultipleChoiceField(
        queryset=Member.objects.select_related("committee"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("出席委員"),
        help_text=_("会議に出席した委員を選んでください（会議を開いた委員会の委員のみ）。"),
    )
    absent_members = forms.ModelMultipleChoiceField(
        queryset=Member.objects.select_related("committee"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("欠席委員"),
        help_text=_("欠席した委員を選んでください（記録した委員だけが欠席として公開されます）。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        committee_id = self.instance.committee_id if self.instance.pk else None
        rolls = (
            ("present_members", "attendance", "attendees"),
            ("absent_members", "absence", "absentees"),
        )
        for name, rows, members in rolls:
            field = self.fields.get(name)
            if field is None:
                continue
            if committee_id:
                # The committee's members only; the (rare) member of another committee already
                # recorded stays listed so that unticking it is possible.
                field.queryset = Member.objects.filter(
                    Q(committee_id=committee_id) | Q(**{f"{rows}__meeting": self.instance})
                ).distinct()
                self.initial.setdefault(name, list(getattr(self.instance, members).all()))
                field.label_from_instance = lambda member: member.display_name
            else:
                field.label_from_instance = lambda member: (
                    f"{member.display_name}（{member.committee}）"
                )

    def clean(self):
        cleaned_data = super().clean()
        committee = cleaned_data.get("committee") or (
            self.instance.committee if self.instance.committee_id else None
        )
        members = cleaned_data.get("present_members") or []
        absent = cleaned_data.get("absent_members") or []
        if committee is not None and (members or absent):
            errors = Meeting(committee=committee).attendance_errors(members, absent)
            if errors:
                self.add_error("present_members", errors)
        return cleaned_data


@admin.register(Meeting)
class MeetingAdmin(DraftNextReportMixin, PasteMixin, FeedbackVersionedAdmin):
    form = MeetingForm
    list_display = ["name", "committee", "fiscal_year", "number", "held_on", "department"]
    list_filter = ["committee", "fiscal_year"]
    search_fields = ["committee__name", "place", "agenda", "department"]
    autocomplete_fields = ["committee"]
    list_select_related = ["committee"]
    ordering = ["committee", "-fiscal_year", "-number"]
    autocomplete_select_related = ["committee"]  # a meeting's name is its committee's
    inlines = [MeetingCommentInline]
    change_form_template = "admin/feedback/meeting/change_form.html"
    object_history_template = "admin/feedback/meeting/object_history.html"
    fieldsets = [
        (None, {"fields": ["committee", "fiscal_year", "number", "held_on", "place", "version"]}),
        (_("議題と出欠"), {"fields": ["agenda", "present_members", "absent_members"]}),
        (
            _("所管課と会議録"),
            {"fields": ["department", "department_phone", "department_email", "minutes_url"]},
        ),
    ]

    many_form_fields = {"attendees": "present_members", "absentees": "absent_members"}

    def save_related(self, request, form, formsets, change):
        # The service writes the rows one by one, so that history records each.
        attendees = form.cleaned_data.get("present_members")
        absent = (
            form.cleaned_data.get("absent_members") if "absent_members" in form.fields else None
        )
        super().save_related(request, form, formsets, change)
        if getattr(request, "_change_request", None) is not None:
            return  # a public meeting's attendance is in the proposal (変更案)
        if "present_members" in form.fields and attendees is not None:
            meeting_set_attendees(
                meeting=form.instance, members=attendees, absent=absent, by=request.user
            )

    def history_view(self, request, object_id, extra_context=None):
        """The meeting's history, followed by that of its attendance (出席委員, 欠席委員)."""
        extra_context = {**(extra_context or {}), "inline_histories": []}
        if str(object_id).isdigit():
            histories = [
                inline_history(model, meeting_id=object_id)
                for model in (MeetingAttendance, MeetingAbsence)
            ]
            records = [record for history in histories for record in history["records"]]
            members = Member.objects.in_bulk({record.member_id for record in records})
            for record in records:
                member = members.get(record.member_id)
                record.member_name = member.display_name if member else "—"
            extra_context["inline_histories"] = histories
        return super().history_view(request, object_id, extra_context)

    @admin.display(description=_("会議名"))
    def name(self, meeting):
        return meeting.name

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "fiscal_year":
            kwargs["form_class"] = FiscalYearField
            kwargs["help_text"] = _("「令和3」「R3」「2021」のいずれの形でも入力できます。")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        """「令和3年度」「R3」「2021」「第1回」 find meetings (their name is derived)."""
        return search_with_meeting_terms(super().get_search_results, request, queryset, search_term)

    def paste_options(self, meeting):
        """Pasted rows are this meeting's remarks unless the rows name another meeting."""
        return {"meeting": meeting}


@admin.register(ReflectionCategory)
class ReflectionCategoryAdmin(FeedbackVersionedAdmin):
    list_display = ["name", "order", "color", "closes_matter", "description"]
    list_editable = ["order"]
    search_fields = ["name"]
    ordering = ["order", "name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        refresh_search_text(obj.responses.values_list("comment_id", flat=True))  # search_text


class CityResponseInline(ChildOfPublishedInline, admin.StackedInline):
    model = CityResponse
    extra = 1
    max_num = 1
    can_delete = False
    fields = ["body", "category"]


class FollowUpInline(ChildOfPublishedInline, admin.StackedInline):
    model = FollowUp
    formfield_overrides = DATE_FORMFIELD_OVERRIDES
    extra = 0
    fields = ["recorded_on", "body"]


# Issue 15: the answer's links to the policy text it changed (feedback/admin_policy_links.py).
PolicyChangeLinkInline = policy_change_link_inline(ChildOfPublishedInline)


def _folded_search(request, queryset, term, *, ordered=False):
    if not term.strip():
        return queryset, False
    return queryset.filter(keyword_condition(term, ordered=ordered)), False


def _folded_list_search(request, queryset, term):
    # An autocomplete reads one page in its order and counts nothing: walked in that order
    # (search.keyword_condition); a changelist's search counts its matches: found by the index.
    return _folded_search(request, queryset, term, ordered=is_autocomplete(request))


class UnansweredFilter(admin.SimpleListFilter):
    """「未回答」: remarks without a city view or without a 対応区分."""

    title = _("回答状況")
    parameter_name = "answered"

    def lookups(self, request, model_admin):
        return [("no", _("未回答")), ("yes", _("回答済み"))]

    def queryset(self, request, queryset):
        # The remarks without an answer row, and those whose answer lacks a body or a 対応区分
        # (a partial index holds those few): one list of keys read from indexes only. A join of
        # every remark with its answer, or an OR of the two, read both tables whole and made
        # PostgreSQL guess three quarters of the table (and compile the plan: 1.3 s).
        without_answer = Comment.objects.filter(
            ~Exists(CityResponse.objects.filter(comment=OuterRef("pk")))
        ).order_by()
        incomplete = CityResponse.objects.filter(Q(body="") | Q(category__isnull=True)).order_by()
        unanswered = Q(
            pk__in=without_answer.values("pk").union(incomplete.values("comment_id"), all=True)
        )
        if self.value() == "no":
            return queryset.filter(unanswered)
        if self.value() == "yes":
            return queryset.exclude(unanswered)
        return queryset


def inline_history(model, **filters):
    """History rows of an inline model, newest first, each with its changed fields."""
    records = list(
        model.history.filter(**filters)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:200]
    )
    for record in records:
        previous = record.prev_record
        record.changes = []
        if previous is not None and record.history_type == "~":
            record.changes = history_display.delta_changes(model, record, previous)
    return {"title": model._meta.verbose_name, "records": records}


class SetCategoryForm(forms.Form):
    category = forms.ModelChoiceField(
        ReflectionCategory.objects.order_by("order", "name"), label=_("対応区分")
    )


class MeetingListFilter(admin.RelatedFieldListFilter):
    """The 会議 filter: the meetings of the committee chosen in the 委員会 filter above it (of
    the chosen meeting's committee when a link chose only the meeting), none before a committee
    is chosen, with a line saying so. Twenty years of five committees are 400 meetings: one
    column too long to read, and a fifth of the changelist's time to render. One query; the
    names print the committee's; the order is Django's (the meeting admin's ordering)."""

    template = "admin/feedback/meeting_filter.html"
    committee_parameter = "meeting__committee__id__exact"

    def field_choices(self, field, request, model_admin):
        committees = _ids(request.GET.getlist(self.committee_parameter))
        if not committees:
            chosen = Meeting.objects.filter(pk__in=_ids(self.lookup_val or []))
            committees = list(chosen.values_list("committee_id", flat=True))
        if not committees:
            return []
        ordering = self.field_admin_ordering(field, request, model_admin)
        meetings = (
            Meeting.objects.filter(committee__in=committees)
            .select_related("committee")
            .order_by(*(ordering or Meeting._meta.ordering))
        )
        return [(meeting.pk, str(meeting)) for meeting in meetings]

    def has_output(self):
        return True  # the line asking for a committee when there is nothing to choose yet


def _ids(values):
    """The whole numbers among query values (an id typed by hand may be anything)."""
    return [int(value) for value in values if str(value).isdigit()]


class CommentPaginator(ChangelistPaginator):
    """The remarks' pages, read without the stored search text and its index pieces (about
    1,600 characters a remark that no column shows)."""

    deferred_fields = ("search_text", "search_bigrams")


@admin.register(Comment)
class CommentAdmin(FeedbackImportMixin, PublishableAdmin):
    list_display = ["number", "member", "policy_item", "meeting", "category", "status"]
    list_display_links = ["number", "member"]
    list_filter = [
        "status",
        UnansweredFilter,
        "meeting__committee",
        ("meeting", MeetingListFilter),
        "member",
        "policy_item",
        "response__category",
        PendingChangeFilter,
    ]
    search_fields = ["body", "response__body", "member__name", "policy_item__heading"]
    autocomplete_fields = ["meeting", "member", "policy_item", "continues"]
    list_select_related = ["member", "policy_item", "meeting__committee", "response__category"]
    # The labels of Django's autocomplete (「令和3年度第1回… No.3」: the meeting's) and of a
    # 資料's rows' own (「No.3 芦川委員: …」, comment_row_label: the member's).
    autocomplete_select_related = ["meeting__committee", "member"]
    # At 100,000 remarks a second COUNT(*) of the whole table per page is not worth showing,
    # and the first is an estimate when nothing is filtered.
    show_full_result_count = False
    fields = [
        "meeting",
        "number",
        "member",
        "policy_item",
        "body",
        "continues",  # 再掲 / 継続審議 (feedback/lineage.py)
        "version",
        *PUBLICATION_FIELDS,
    ]
    inlines = [CityResponseInline, FollowUpInline, PolicyChangeLinkInline]
    paginator = CommentPaginator
    # The columns of the (meeting, number) unique index, so a page is read from the index in
    # order; "meeting" would sort by the meeting's own ordering (committee name, year, number),
    # a sort of the whole join for every page. Meetings are entered in order, so by id is by
    # meeting in the order they were entered.
    ordering = ["meeting_id", "number"]
    actions = ["set_category", export_workbook]

    object_history_template = "admin/feedback/comment/object_history.html"
    change_form_template = "admin/feedback/comment/change_form.html"
    explain_read_only = False

    # -- published remarks: an 入力担当's save is a proposal (feedback.review) ---------------

    def _proposes(self, request, obj):
        """Whether saving ``obj`` here makes a proposal instead of changing it: the remark as
        stored now is published (a history revert hands in an old copy) and the user may not
        correct published records directly."""
        return (
            obj is not None
            and obj.pk is not None
            and Comment.objects.published().filter(pk=obj.pk).exists()
            and not permissions.can_correct_published(request.user)
        )

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            if permissions.can_correct_published(request.user):
                return FeedbackVersionedAdmin.has_change_permission(self, request, obj)
            # One open proposal per remark: while there is one it is edited on its own page.
            return (
                permissions.can_propose(request.user, obj)
                and not ChangeRequest.objects.open().for_record(obj).exists()
            )
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change and self._proposes(request, obj):
            if getattr(request, "_revert_reason", ""):
                # A history revert (no inlines): the old version of the remark's own fields,
                # with its answer and follow-ups as they are now, proposed for review.
                live = Comment.objects.get(pk=obj.pk)
                proposed = {
                    **review.comment_state(live),
                    "member": obj.member_id,
                    "policy_item": obj.policy_item_id,
                    "body": obj.body,
                }
                request._change_request = change_request_save(
                    comment=live, proposed=proposed, by=request.user
                )
            return  # otherwise the proposal is made in save_related, with the inlines' data
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if change and self._proposes(request, form.instance):
            by_model = {formset.model: formset for formset in formsets}
            proposed = review.state_from_forms(
                form,
                by_model[CityResponse].forms if CityResponse in by_model else [],
                by_model[FollowUp].forms if FollowUp in by_model else [],
            )
            try:
                request._change_request = change_request_save(
                    comment=form.instance, proposed=proposed, by=request.user
                )
            except ValidationError as error:
                request._proposal_refused = " ".join(error.messages)
            return
        super().save_related(request, form, formsets, change)
        refresh_search_text([form.instance.pk])  # search_text

    def construct_change_message(self, request, form, formsets, add=False):
        if self._proposes(request, form.instance):
            # Nothing was saved to the remark (its inline formsets were not saved either).
            return [{"changed": {"fields": [gettext("変更案")]}}]
        return super().construct_change_message(request, form, formsets, add)

    def response_change(self, request, obj):
        refused = getattr(request, "_proposal_refused", None)
        if refused:
            self.message_user(
                request,
                gettext("変更案は作成していません: %(reason)s") % {"reason": refused},
                messages.WARNING,
            )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)  # a proposal: PublicNameReviewMixin

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        obj = context.get("original")
        if obj is not None and obj.pk is not None:
            context["open_change_request"] = (
                ChangeRequest.objects.open().for_record(obj).select_related("created_by").first()
            )
            context["proposes"] = self._proposes(request, obj) and self.has_change_permission(
                request, obj
            )
        return super().render_change_form(request, context, add, change, **kwargs)

    def get_urls(self):
        return [
            path(
                "row-autocomplete/",
                self.admin_site.admin_view(
                    CommentRowAutocompleteJsonView.as_view(admin_site=self.admin_site)
                ),
                name="feedback_comment_row_autocomplete",
            ),
            *super().get_urls(),
        ]

    def get_search_results(self, request, queryset, search_term):
        """The changelist's search and the 意見 autocomplete (a 資料's rows) match as the
        public search does: folded keywords in ``search_text``, through its bigram index, so
        a keystroke at 100,000 remarks does not read every remark, answer and member; widened
        by 「令和3年度」「R3」「2021」「第1回」 for the meeting and 「No.3」 for the No.
        (``search_fields`` stays for the search box and the autocomplete to be offered)."""
        return search_with_meeting_terms(
            _folded_search,
            request,
            queryset,
            search_term,
            prefix="meeting__",
            alone=_folded_list_search,
        )

    def get_changeform_initial_data(self, request):
        """With ``?meeting=<id>`` (「保存してもう一つ追加」), propose that meeting's next No."""
        initial = super().get_changeform_initial_data(request)
        meeting = str(initial.get("meeting", ""))
        if meeting.isdigit() and "number" not in initial:
            last = Comment.objects.filter(meeting_id=meeting).aggregate(last=Max("number"))
            initial["number"] = (last["last"] or 0) + 1
        return initial

    def response_add(self, request, obj, post_url_continue=None):
        """「保存してもう一つ追加」 keeps the meeting, so fifty remarks are fifty short forms."""
        response = super().response_add(request, obj, post_url_continue)
        if "_addanother" in request.POST and isinstance(response, HttpResponseRedirect):
            separator = "&" if "?" in response["Location"] else "?"
            response["Location"] += separator + urlencode({"meeting": obj.meeting_id})
        return response

    def history_view(self, request, object_id, extra_context=None):
        """The remark's history, followed by that of its city view and follow-ups (inlines)."""
        extra_context = {**(extra_context or {}), "inline_histories": []}
        if str(object_id).isdigit():
            extra_context["inline_histories"] = [
                inline_history(CityResponse, comment_id=object_id),
                inline_history(FollowUp, comment_id=object_id),
            ]
        return super().history_view(request, object_id, extra_context)

    @admin.display(description=_("対応区分"), ordering="response__category__order")
    def category(self, comment):
        response = getattr(comment, "response", None)
        return response.category if response and response.category else "—"

    @admin.action(description=_("選択した意見の対応区分を設定"), permissions=["change"])
    def set_category(self, request, queryset):
        """Intermediate page to choose the category, then ``comments_set_category``."""
        published = [c for c in queryset if c.is_published]
        if published and not permissions.can_publish(request.user):
            self.message_user(
                request,
                gettext("公開済みの意見は、公開の権限がある職員だけが変更できます: %(numbers)s")
                % {"numbers": "、".join(f"{c.meeting} No.{c.number}" for c in published)},
                messages.ERROR,
            )
            return None
        form = SetCategoryForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            changed = comments_set_category(
                comments=list(queryset), category=form.cleaned_data["category"], by=request.user
            )
            self.message_user(
                request,
                gettext("%(count)d件の意見の対応区分を「%(category)s」にしました。")
                % {"count": len(changed), "category": form.cleaned_data["category"]},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("対応区分の一括設定"),
            "opts": self.model._meta,
            "comments": queryset.select_related("meeting__committee", "member"),
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/feedback/comment/set_category.html", context)


class ReportEntryInline(ChildOfPublishedInline, admin.TabularInline):
    """The rows of a 資料, in printed order; edit 掲載順 to reorder them."""

    model = ReportEntry
    extra = 0
    autocomplete_fields = ["comment"]
    fields = ["position", "comment"]
    ordering = ["position"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Rows read 「No.3 芦川委員: 取組内容の…」: the meeting is the same on every row.
        if db_field.name == "comment":
            kwargs["widget"] = CommentRowAutocomplete(db_field, self.admin_site)
            kwargs["queryset"] = Comment.objects.select_related("member")
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = comment_row_label
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PendingRowsFilter(admin.SimpleListFilter):
    """「承認待ちの追加行」: published 資料 listing a remark that is not public yet."""

    title = _("承認待ちの追加行")
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return [("yes", _("あり"))]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        return queryset.with_pending_rows()


@admin.register(Report)
class ReportAdmin(ReportSnapshotAdminMixin, PasteMixin, PublishableAdmin):
    list_display = ["label", "title", "meeting", "presented_on", "status", "published_at"]
    list_filter = [
        "status",
        PendingRowsFilter,
        "meeting__committee",
        ("meeting", MeetingListFilter),
    ]
    search_fields = ["title", "label"]
    autocomplete_fields = ["meeting"]
    list_select_related = ["meeting__committee"]
    fields = [
        "label",
        "title",
        "meeting",
        "presented_on",
        "remarks_heading",
        "response_heading",
        "version",
        *PUBLICATION_FIELDS,
    ]
    inlines = [ReportEntryInline]
    ordering = ["-presented_on", "-id"]
    actions = ["publish_selected", "unpublish_selected"]
    change_form_template = "admin/feedback/report/change_form.html"

    def has_publish_permission(self, request, obj=None):
        return permissions.can_publish(request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is ReportEntry:
            # 掲載順 is unique per 資料: park the moved rows out of the way first, so that
            # swapping two positions does not collide halfway through the save.
            moved = [f.instance.pk for f in formset.forms if f.instance.pk and f.has_changed()]
            ReportEntry.objects.filter(pk__in=moved).update(position=F("position") + 1_000_000)
            removed = [
                f.instance.comment_id
                for f in formset.forms
                if f.instance.pk and f.cleaned_data.get("DELETE")
            ]
            super().save_formset(request, form, formset, change)
            # A remark whose last published 資料 no longer lists it leaves the public site.
            comments_hide_unlisted(comment_ids=removed, by=request.user)
            return
        super().save_formset(request, form, formset, change)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(numeric_object_id(self.publish_view)),
                name="{}_{}_publish".format(*info),
            ),
            path(
                "<path:object_id>/unpublish/",
                self.admin_site.admin_view(numeric_object_id(self.unpublish_view)),
                name="{}_{}_unpublish".format(*info),
            ),
            path(
                "<path:object_id>/append-meeting-comments/",
                self.admin_site.admin_view(numeric_object_id(self.append_meeting_comments_view)),
                name="{}_{}_append_meeting_comments".format(*info),
            ),
            path(
                "<path:object_id>/workbook/",
                self.admin_site.admin_view(numeric_object_id(self.workbook_view)),
                name="{}_{}_workbook".format(*info),
            ),
            *super().get_urls(),
        ]

    def paste_options(self, report):
        """Pasted rows become this 資料's rows, in the pasted order."""
        return {"report": report, "meeting": report.meeting}

    def workbook_view(self, request, object_id):
        """The 資料 as the print-ready workbook for its meeting, drafts included."""
        report = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not request.user.has_perm(permissions.EXPORT_FEEDBACK):
            raise PermissionDenied
        comments = report_comments(report, published_only=False)
        rows = table.rows(comments)
        workbook = excel.report_workbook(report, rows, drafts=excel.unpublished(comments))
        return workbook_response(workbook, f"{report.label}_{report.title}.xlsx")

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        report = context.get("original")
        context["can_publish"] = self.has_publish_permission(request)
        context["can_append"] = report is not None and permissions.can_append_rows(
            request.user, report
        )
        pending = report.pending_entries() if report else []
        context["pending_rows"] = [f"No.{entry.comment.number}" for entry in pending]
        context["can_import"] = request.user.has_perm(permissions.IMPORT_FEEDBACK)
        context["can_export"] = request.user.has_perm(permissions.EXPORT_FEEDBACK)
        return super().render_change_form(request, context, add, change, **kwargs)

    def _publish(self, request, report, reviewed):
        try:
            report_publish(report=report, by=request.user, reviewed=reviewed)
        except ValidationError as error:
            self.message_user(
                request,
                gettext("%(report)sを公開できません。%(reason)s")
                % {"report": report, "reason": " ".join(error.messages)},
                messages.ERROR,
            )
            return False
        self.message_user(
            request, gettext("%(report)sを公開しました。") % {"report": report}, messages.SUCCESS
        )
        return True

    def _unpublish(self, request, report):
        report_unpublish(report=report, by=request.user)
        self.message_user(
            request,
            gettext("%(report)sを非公開にしました（削除はしていません）。") % {"report": report},
            messages.SUCCESS,
        )

    def _reviewed_content(self, request, report):
        """The content the approver confirmed for ``report`` (signed on the confirmation page),
        or ``None`` when the request carries none that this server signed."""
        try:
            return signing.loads(
                request.POST.get(f"reviewed-{report.pk}", ""),
                salt=PUBLISH_REVIEW_SALT,
                max_age=PUBLISH_REVIEW_MAX_AGE,
            )
        except signing.BadSignature:
            return None

    def publish_confirmation(self, request, reports, *, action_url, selected=None):
        """「公開前の確認」: every row of each 資料 as it will be published, and one button.

        The page carries, signed, what it shows (``review.report_content``); publishing refuses
        a 資料 changed since, so an approver never publishes what they did not see.
        """
        shown = []
        for report in reports:
            comments = report_comments(report, published_only=False)
            rows = table.rows(comments)
            drafts = excel.unpublished(comments)
            content = review.report_content(report)
            shown.append(
                {
                    "report": report,
                    "rows": [(row, row.id in drafts) for row in rows],
                    "unanswered": [c.number for c in report_unanswered_comments(report)],
                    "token": signing.dumps(content, salt=PUBLISH_REVIEW_SALT, compress=True),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("公開前の確認"),
            "opts": self.opts,
            "shown": shown,
            "action_url": action_url,
            "selected": selected,
            "columns": table.TITLES,
        }
        return TemplateResponse(request, "admin/feedback/report/publish_confirmation.html", context)

    @admin.action(description=_("選択した資料と掲載意見を公開"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        reports = list(queryset.order_by("pk"))
        if request.POST.get("post") != "yes":
            return self.publish_confirmation(
                request,
                reports,
                action_url=request.get_full_path(),
                selected=[report.pk for report in reports],
            )
        for report in reports:
            reviewed = self._reviewed_content(request, report)
            if reviewed is None:
                self.message_user(
                    request,
                    gettext("%(report)sは確認画面を経ていないため公開していません。")
                    % {"report": report},
                    messages.ERROR,
                )
            else:
                self._publish(request, report, reviewed)
        return None

    @admin.action(description=_("選択した資料を非公開にする"), permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        for report in queryset:
            self._unpublish(request, report)

    def publish_view(self, request, object_id):
        """GET: the confirmation page; POST (from it): publish what it showed."""
        if not self.has_publish_permission(request):
            raise PermissionDenied
        report = get_object_or_404(Report, pk=object_id)
        if request.method == "POST":
            reviewed = self._reviewed_content(request, report)
            if reviewed is not None and self._publish(request, report, reviewed):
                return HttpResponseRedirect(
                    reverse("admin:feedback_report_change", args=[report.pk])
                )
            if reviewed is None:
                self.message_user(
                    request,
                    gettext("公開する前に、この画面で内容を確認してください。"),
                    messages.WARNING,
                )
            return HttpResponseRedirect(request.path)
        return self.publish_confirmation(request, [report], action_url=request.path)

    def unpublish_view(self, request, object_id):
        return require_POST(self._unpublish_view)(request, object_id)

    def _unpublish_view(self, request, object_id):
        if not self.has_publish_permission(request):
            raise PermissionDenied
        report = get_object_or_404(Report, pk=object_id)
        self._unpublish(request, report)
        return HttpResponseRedirect(reverse("admin:feedback_report_change", args=[report.pk]))

    def append_meeting_comments_view(self, request, object_id):
        """「この会議の意見をすべて資料に追加」 (POST): ``report_append_meeting_comments``."""
        return require_POST(self._append_meeting_comments)(request, object_id)

    def _append_meeting_comments(self, request, object_id):
        report = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not permissions.can_append_rows(request.user, report):
            raise PermissionDenied
        try:
            added = report_append_meeting_comments(report=report, by=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            if added and report.is_published:
                self.message_user(
                    request,
                    gettext(
                        "%(count)d件の意見を追加しました。公開中の資料に追加した行は、承認者が"
                        "「内容を確認して公開する」で公開するまで公開されません（承認待ち）。"
                    )
                    % {"count": len(added)},
                    messages.SUCCESS,
                )
            elif added:
                self.message_user(
                    request,
                    gettext("%(count)d件の意見を追加しました") % {"count": len(added)},
                    messages.SUCCESS,
                )
            else:
                self.message_user(
                    request,
                    gettext("追加する意見はありません（この会議の意見はすべて掲載済みです）。"),
                    messages.WARNING,
                )
        return HttpResponseRedirect(reverse("admin:feedback_report_change", args=[report.pk]))


# Policy items are named in the published tables (対象項目), so the review of public names
# applies to them: the policy app's admin, with this app's save path.
admin.site.unregister(PolicyItem)


@admin.register(PolicyItem)
class ReviewedPolicyItemAdmin(PagingMixin, PublicNameReviewMixin, policy_admin.PolicyItemAdmin):
    pass
