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
REVIEW_CHANGE = "feedback.review_changerequest"
CORRECT_PUBLISHED = "feedback.correct_published"
PROPOSE_CHANGE = "feedback.add_changerequest"


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

    The model's change permission, and for a published remark or 資料 the right to correct
    published records directly (システム管理者): everyone else proposes a change that an
    approver approves (``feedback.review``), so every published word is an approved one.
    """
    opts = obj._meta
    if not (user.is_active and user.has_perm(f"{opts.app_label}.change_{opts.model_name}")):
        return False
    return not getattr(obj, "is_published", False) or can_correct_published(user)


def can_review(user):
    """Whether ``user`` may approve or return a proposed change (承認者, システム管理者)."""
    return user.is_active and user.has_perm(REVIEW_CHANGE)


def can_correct_published(user):
    """Whether ``user`` may change a published record directly (システム管理者): recorded in
    history as a direct correction and in the audit log."""
    return user.is_active and user.has_perm(CORRECT_PUBLISHED)


def can_propose(user, obj):
    """Whether ``user`` may propose a change to the published ``obj`` (入力担当)."""
    opts = obj._meta
    return (
        user.is_active
        and user.has_perm(PROPOSE_CHANGE)
        and user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
    )


def can_append_rows(user, report):
    """Whether ``user`` may add rows to ``report``: those who may change it, and on a published
    資料 an 入力担当 too: the rows they add stay unpublished (承認待ち) until an approver
    publishes them from 「公開前の確認」, so the public table never changes unseen."""
    if not (user.is_active and user.has_perm("feedback.add_reportentry")):
        return False
    if can_change(user, report):
        return True
    return report.is_published and user.has_perm("feedback.change_report")
