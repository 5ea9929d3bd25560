from django.urls import include, path
from rest_framework.routers import SimpleRouter

from api import views
from publication.cache import public_page

app_name = "api"

router = SimpleRouter()
router.register("committees", views.CommitteeViewSet, basename="committee")
router.register("members", views.MemberViewSet, basename="member")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("policy-items", views.PolicyItemViewSet, basename="policy-item")
router.register("policy-versions", views.PolicyVersionViewSet, basename="policy-version")
router.register("passages", views.PassageViewSet, basename="passage")
router.register("policy-changes", views.PolicyChangeViewSet, basename="policy-change")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("reports", views.ReportViewSet, basename="report")
router.register("remarks", views.RemarkViewSet, basename="remark")

urlpatterns = [
    path("v1/schema/", views.SchemaView.as_view(), name="schema"),
    path("v1/docs/", public_page(views.DocsView.as_view()), name="docs"),
    path(
        "v1/datasets/",
        public_page(views.DatasetDictionaryView.as_view()),
        name="dataset-dictionary",
    ),
    path(
        "v1/datasets/<slug:slug>.csv",
        public_page(views.DatasetView.as_view()),
        name="dataset-csv",
    ),
    path("v1/", include(router.urls)),
]
