"""The remark's admin page: which changes of the policy text its answer caused (issue 15).

An inline of ``PolicyChangeLink`` with autocomplete on passages (``policy.admin.PassageAdmin``);
``PolicyChangeLink.clean`` checks that both passages are of the remark's policy and that the
old one is from an earlier version. Under a published remark only publishers may change it.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from feedback.models import PolicyChangeLink


def policy_change_link_inline(child_of_published):
    """The inline class, with feedback.admin's rule for rows under a published record."""

    class PolicyChangeLinkInline(child_of_published, admin.TabularInline):
        model = PolicyChangeLink
        extra = 0
        fields = ["order", "old_passage", "new_passage"]
        autocomplete_fields = ["old_passage", "new_passage"]
        verbose_name = _("この意見による政策・計画の変更")
        verbose_name_plural = _("この意見による政策・計画の変更（変更前・変更後の段落）")

        def get_queryset(self, request):
            return (
                super()
                .get_queryset(request)
                .select_related("old_passage__version", "new_passage__version")
            )

    return PolicyChangeLinkInline
