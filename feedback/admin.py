from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

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


@admin.register(Committee)
class CommitteeAdmin(SimpleHistoryAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ["name", "name_kana", "role", "committee", "term_start", "term_end"]
    list_filter = ["committee", "role"]
    search_fields = ["name", "name_kana"]
    autocomplete_fields = ["committee"]


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["name", "committee", "fiscal_year", "number", "held_on"]
    list_filter = ["committee", "fiscal_year"]
    search_fields = ["committee__name"]
    autocomplete_fields = ["committee"]
    list_select_related = ["committee"]

    @admin.display(description=_("会議名"))
    def name(self, meeting):
        return meeting.name


@admin.register(ReflectionCategory)
class ReflectionCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "order", "color", "description"]
    list_editable = ["order"]
    search_fields = ["name"]


class CityResponseInline(admin.StackedInline):
    model = CityResponse
    extra = 1
    max_num = 1
    can_delete = False


class FollowUpInline(admin.StackedInline):
    model = FollowUp
    extra = 0
    fields = ["recorded_on", "body"]


@admin.register(Comment)
class CommentAdmin(SimpleHistoryAdmin):
    list_display = ["number", "member", "policy_item", "meeting", "category", "status"]
    list_display_links = ["number", "member"]
    list_filter = ["status", "meeting", "member", "policy_item", "response__category"]
    search_fields = ["body", "response__body", "member__name", "policy_item__heading"]
    autocomplete_fields = ["meeting", "member", "policy_item"]
    list_select_related = ["member", "policy_item", "meeting__committee", "response__category"]
    readonly_fields = ["status", "published_at", "published_by"]
    inlines = [CityResponseInline, FollowUpInline]
    ordering = ["meeting", "number"]

    @admin.display(description=_("対応区分"), ordering="response__category__order")
    def category(self, comment):
        response = getattr(comment, "response", None)
        return response.category if response and response.category else "—"


class ReportEntryInline(admin.TabularInline):
    model = ReportEntry
    extra = 0
    autocomplete_fields = ["comment"]
    ordering = ["position"]


@admin.register(Report)
class ReportAdmin(SimpleHistoryAdmin):
    list_display = ["label", "title", "meeting", "presented_on", "status", "published_at"]
    list_filter = ["status", "meeting__committee"]
    search_fields = ["title", "label"]
    autocomplete_fields = ["meeting"]
    readonly_fields = ["status", "published_at", "published_by"]
    inlines = [ReportEntryInline]
