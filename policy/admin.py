from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

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


@admin.register(PolicyItem)
class PolicyItemAdmin(SimpleHistoryAdmin):
    list_display = ["heading", "policy", "kind", "parent", "order"]
    list_filter = ["policy", "kind"]
    search_fields = ["heading", "policy__title"]
    autocomplete_fields = ["policy", "parent"]
    ordering = ["policy", "order", "id"]
