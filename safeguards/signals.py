"""Audit-log receivers for logins, logouts and lockouts (connected in ``SafeguardsConfig``)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from safeguards.audit import audit, request_fields
from safeguards.sessions import session_started


@receiver(user_logged_in, dispatch_uid="audit_login")
def log_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_started(request.session)
    audit.info("login success", extra=request_fields(request, user))


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def log_login_failure(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in ``credentials``; only the username is logged.
    username = credentials.get("username", "")
    audit.warning("login failure", extra=request_fields(request, username))


@receiver(user_logged_out, dispatch_uid="audit_logout")
def log_logout(sender, request, user, **kwargs):
    audit.info("logout", extra=request_fields(request, user))


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def log_lockout(sender, request, username, ip_address, **kwargs):
    fields = request_fields(request, username)
    fields["ip"] = ip_address
    audit.warning("lockout: too many login failures", extra=fields)
