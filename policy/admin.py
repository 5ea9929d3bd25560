from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from policy.models import Policy, PolicyItem
from publication.admin import VersionedAdmin


class PolicyItemInline(admin.TabularInline):
    """The policy's items, listed; each is edited on its own page, with its version."""

    model = PolicyItem
    fk_name = "policy"
    extra = 0
    fields = ["order", "heading", "kind", "parent"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    verbose_name_plural = _("対象項目（編集は各項目のページで）")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Policy)
class PolicyAdmin(VersionedAdmin):
    list_display = ["title", "stage", "adopted_on"]
    list_filter = ["stage"]
    search_fields = ["title"]
    ordering = ["title"]
    inlines = [PolicyItemInline]


@admin.register(PolicyItem)
class PolicyItemAdmin(VersionedAdmin):
    list_display = ["heading", "policy", "kind", "parent", "order"]
    list_filter = ["policy", "kind"]
    search_fields = ["heading", "policy__title"]
    autocomplete_fields = ["policy", "parent"]
    ordering = ["policy", "order", "id"]
