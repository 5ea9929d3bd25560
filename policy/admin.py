from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from feedback.search import refresh_search_text
from policy.models import Policy, PolicyItem


class PolicyItemInline(admin.TabularInline):
    model = PolicyItem
    fk_name = "policy"
    extra = 0
    fields = ["order", "heading", "kind", "parent"]


@admin.register(Policy)
class PolicyAdmin(SimpleHistoryAdmin):
    list_display = ["title", "stage", "adopted_on"]
    list_filter = ["stage"]
    search_fields = ["title"]
    ordering = ["title"]
    inlines = [PolicyItemInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        refresh_search_text(form.instance.items.values_list("comments", flat=True))  # search_text


@admin.register(PolicyItem)
class PolicyItemAdmin(SimpleHistoryAdmin):
    list_display = ["heading", "policy", "kind", "parent", "order"]
    list_filter = ["policy", "kind"]
    search_fields = ["heading", "policy__title"]
    autocomplete_fields = ["policy", "parent"]
    ordering = ["policy", "order", "id"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        refresh_search_text(obj.comments.values_list("pk", flat=True))  # search_text
