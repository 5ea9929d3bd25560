from django.urls import path

from feedback import policy_views
from publication.cache import public_page

app_name = "policies"

urlpatterns = [
    path(
        "<int:pk>/",
        public_page(policy_views.PolicyDetailView.as_view()),
        name="policy-detail",
    ),
    path(
        "<int:pk>/differences.<str:fmt>",
        public_page(policy_views.PolicyDifferencesDownloadView.as_view()),
        name="policy-differences-download",
    ),
]
