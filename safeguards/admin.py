"""The admin's titles, and its user and group pages with the permission choices in Japanese.

Django stores a built-in permission's name in the database in English, from the model's
untranslated name ("Can add log entry", "Can add 意見", "Can view historical 意見"); the group
and user pages list them as they are stored. Here each choice is labelled from the codename and
the model's translated name instead (「管理 | ログエントリー | ログエントリーを追加できる」).
Custom permissions keep the name they were given (「資料を公開・非公開にできる」).
"""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "add": _("%(model)sを追加できる"),
    "change": _("%(model)sを変更できる"),
    "delete": _("%(model)sを削除できる"),
    "view": _("%(model)sを閲覧できる"),
}
PERMISSION_FIELDS = {"permissions", "user_permissions"}

admin.site.site_header = _("審議会等の意見と市の考え方 管理")
admin.site.site_title = _("職員用管理画面")
admin.site.index_title = _("管理メニュー")


def model_name(model):
    """The model's name as staff read it; a history model (django-simple-history) as 「…の履歴」."""
    original = getattr(model, "instance_type", None)
    if original is not None:
        return gettext("%(model)sの履歴") % {"model": original._meta.verbose_name}
    return str(model._meta.verbose_name)


def permission_label(permission):
    """「アプリ | モデル | できること」 for one permission, in Japanese."""
    model = permission.content_type.model_class()
    if model is None:  # a model removed from the code whose permission is still stored
        return str(permission)
    action, _separator, codename_model = permission.codename.partition("_")
    name = permission.name
    if action in ACTIONS and codename_model == model._meta.model_name:
        name = ACTIONS[action] % {"model": model_name(model)}
    app = model._meta.app_config.verbose_name
    return f"{app} | {model_name(model)} | {name}"


class JapanesePermissionsMixin:
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name in PERMISSION_FIELDS:
            queryset = kwargs.get("queryset", db_field.remote_field.model.objects)
            kwargs["queryset"] = queryset.select_related("content_type")
        field = super().formfield_for_manytomany(db_field, request=request, **kwargs)
        if db_field.name in PERMISSION_FIELDS:
            field.label_from_instance = permission_label
        return field


class GroupAdmin(JapanesePermissionsMixin, auth_admin.GroupAdmin):
    pass


class UserAdmin(JapanesePermissionsMixin, auth_admin.UserAdmin):
    pass


admin.site.unregister(Group)
admin.site.register(Group, GroupAdmin)
admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserAdmin)
