"""Template tags for the pieces of issue 15 on feedback's own pages: 「この意見による変更」 on the
remark page and the link to the policy's page on the 対象項目 page (``feedback.policy_links``).
Tags rather than context from feedback's views, so those views stay as they are."""

from django import template

from feedback import policy_links
from policy import selectors as policy_selectors

register = template.Library()


@register.simple_tag
def comment_policy_changes(comment):
    """The published changes of the policy text this (published) remark caused."""
    return policy_links.comment_policy_changes(comment)


@register.simple_tag
def public_policy_url(policy):
    """The policy's public page, or "" while none of its versions is published."""
    if policy_selectors.public_policy_versions(policy).exists():
        return policy_links.policy_url(policy)
    return ""
