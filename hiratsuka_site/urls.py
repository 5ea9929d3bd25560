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
