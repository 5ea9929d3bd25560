from django.urls import path

from api import views as api_views
from feedback import feeds, views
from publication.cache import public_page

app_name = "feedback"

urlpatterns = [
    path("", public_page(views.ReportListView.as_view()), name="report-list"),
    path("reports/<int:pk>/", public_page(views.ReportDetailView.as_view()), name="report-detail"),
    path(
        "reports/<int:pk>/presented/",
        public_page(views.ReportAsPresentedView.as_view()),
        name="report-presented",
    ),
    path(
        "reports/<int:pk>/download.<str:fmt>",
        public_page(views.DownloadView.as_view()),
        name="report-download",
    ),
    path("comments/", public_page(views.CommentSearchView.as_view()), name="comment-search"),
    path(
        "comments/download.<str:fmt>",
        public_page(views.DownloadView.as_view()),
        name="comment-download",
    ),
    path(
        "comments/<int:pk>/",
        public_page(views.CommentDetailView.as_view()),
        name="comment-detail",
    ),
    path("members/", public_page(views.MemberListView.as_view()), name="member-list"),
    path("members/<int:pk>/", public_page(views.MemberDetailView.as_view()), name="member-detail"),
    path("items/", public_page(views.PolicyItemListView.as_view()), name="policy-item-list"),
    path(
        "items/<int:pk>/",
        public_page(views.PolicyItemDetailView.as_view()),
        name="policy-item-detail",
    ),
    path("meetings/", public_page(views.MeetingListView.as_view()), name="meeting-list"),
    path(
        "meetings/fiscal-years/<int:fiscal_year>/",
        public_page(views.MeetingListView.as_view()),
        name="meeting-fiscal-year",
    ),
    path(
        "meetings/<int:pk>/",
        public_page(views.MeetingDetailView.as_view()),
        name="meeting-detail",
    ),
    path(
        "committees/<int:pk>/",
        public_page(views.CommitteeDetailView.as_view()),
        name="committee-detail",
    ),
    path(
        "committees/<int:pk>/open/",
        public_page(views.CommitteeOpenRemarksView.as_view()),
        name="committee-open-remarks",
    ),
    # The open-data catalogue is the api app's (api/catalog.py); its addresses sit here.
    path("open-data/", public_page(api_views.OpenDataView.as_view()), name="open-data"),
    path(
        "open-data/catalog.jsonld",
        public_page(api_views.CatalogJsonLdView.as_view()),
        name="open-data-catalog",
    ),
    path(
        "accessibility/",
        public_page(views.AccessibilityView.as_view()),
        name="accessibility",
    ),
    # Atom feeds of published changes (feedback/feeds.py).
    path("feeds/", public_page(feeds.ChangesFeed()), name="feed"),
    path("committees/<int:pk>/feed/", public_page(feeds.CommitteeFeed()), name="committee-feed"),
    path("members/<int:pk>/feed/", public_page(feeds.MemberFeed()), name="member-feed"),
    path("items/<int:pk>/feed/", public_page(feeds.PolicyItemFeed()), name="policy-item-feed"),
    path("meetings/<int:pk>/feed/", public_page(feeds.MeetingFeed()), name="meeting-feed"),
    path("comments/<int:pk>/feed/", public_page(feeds.CommentFeed()), name="comment-feed"),
]
