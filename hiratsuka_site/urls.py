from django.contrib import admin
from django.http import Http404
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("審議会等の意見と市の考え方 管理")
admin.site.site_title = _("職員用管理画面")
admin.site.index_title = _("管理メニュー")


def history_not_found(request):
    raise Http404("no such record or version")


# A record's or a version's id: every model here has a numeric key, and 18 digits fit a bigint.
ID = "[0-9]{1,18}"

urlpatterns = [
    # django-simple-history's history pages take any text as the record's and the version's id
    # and hand it to the database (a ValueError, a 500). An id that is not a number is 404
    # before the admin sees it; numeric ids fall through to the admin as before.
    re_path(rf"^admin/[^/]+/[^/]+/(?!{ID}/history/).+/history/(?:[^/]+/)?$", history_not_found),
    re_path(rf"^admin/[^/]+/[^/]+/{ID}/history/(?!{ID}/$).+/$", history_not_found),
    path("admin/", admin.site.urls),
    path("policies/", include("feedback.policy_urls")),
    path("api/", include("api.urls")),
    path("", include("feedback.urls")),
]

# 400, 404 and 500 are Django's views with templates/400.html, 404.html and 500.html; Django
# logs them ("django.request", "django.security"). A refusal is also an audit event.
handler403 = "hiratsuka_site.views.permission_denied"
