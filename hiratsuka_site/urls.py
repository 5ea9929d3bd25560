from django.contrib import admin
from django.urls import include, path, re_path

from safeguards.errors import history_not_found

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
handler403 = "safeguards.errors.permission_denied"
