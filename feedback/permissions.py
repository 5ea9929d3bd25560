"""Staff roles and the permission checks the admin and the services share.

Roles are ``auth.Group`` objects created by migration ``0004_staff_groups``; what each may do is
listed there and in ``docs/admin.md``. Code checks permissions, never group names, so a city can
give a person extra rights without a new role.
"""

from django.utils.translation import gettext_lazy as _

EDITOR = "入力担当"
APPROVER = "承認者"
ADMINISTRATOR = "システム管理者"

ROLES = [EDITOR, APPROVER, ADMINISTRATOR]

PUBLISH_REPORT = "feedback.publish_report"
DELETE_PUBLISHED = "feedback.delete_published"
IMPORT_FEEDBACK = "feedback.import_feedback"
EXPORT_FEEDBACK = "feedback.export_feedback"

STALE_FORM_MESSAGE = _(
    "この記録は、あなたが画面を開いた後に他の職員が保存しました（現在の版: %(current)s、"
    "あなたが開いた版: %(submitted)s）。あなたの変更は保存されていません。"
    "ページを開き直して最新の内容を確認してから、もう一度変更してください。"
)


def can_publish(user):
    """Whether ``user`` may publish and unpublish 資料 (承認者 and システム管理者)."""
    return user.is_active and user.has_perm(PUBLISH_REPORT)


def can_delete_published(user):
    """Whether ``user`` may hard-delete a published record (システム管理者 only)."""
    return user.is_active and user.has_perm(DELETE_PUBLISHED)
