from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("審議会等の意見と市の考え方 管理")
admin.site.site_title = _("職員用管理画面")
admin.site.index_title = _("管理メニュー")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("feedback.urls")),
]

# 400, 404 and 500 are Django's views with templates/400.html, 404.html and 500.html; Django
# logs them ("django.request", "django.security"). A refusal is also an audit event.
handler403 = "hiratsuka_site.views.permission_denied"
