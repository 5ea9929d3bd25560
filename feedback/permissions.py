"""Staff roles and the permission checks the admin and the services share.

Roles are ``auth.Group`` objects created by migration ``0004_staff_groups``; what each may do is
listed there and in ``docs/admin.md``. Code checks permissions, never group names, so a city can
give a person extra rights without a new role.
"""

EDITOR = "入力担当"
APPROVER = "承認者"
ADMINISTRATOR = "システム管理者"

ROLES = [EDITOR, APPROVER, ADMINISTRATOR]

PUBLISH_REPORT = "feedback.publish_report"
DELETE_PUBLISHED = "feedback.delete_published"
IMPORT_FEEDBACK = "feedback.import_feedback"
EXPORT_FEEDBACK = "feedback.export_feedback"


def can_publish(user):
    """Whether ``user`` may publish and unpublish 資料 (承認者 and システム管理者)."""
    return user.is_active and user.has_perm(PUBLISH_REPORT)


def can_delete_published(user):
    """Whether ``user`` may hard-delete a published record (システム管理者 only)."""
    return user.is_active and user.has_perm(DELETE_PUBLISHED)


def can_add(user, model):
    opts = model._meta
    return user.is_active and user.has_perm(f"{opts.app_label}.add_{opts.model_name}")


def can_change(user, obj):
    """Whether ``user`` may edit ``obj`` as it is stored now.

    The model's change permission, and for a published remark or 資料 the right to publish:
    every published word is an approved one.
    """
    opts = obj._meta
    if not (user.is_active and user.has_perm(f"{opts.app_label}.change_{opts.model_name}")):
        return False
    return not getattr(obj, "is_published", False) or can_publish(user)
