from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.ReportListView.as_view(), name="report-list"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report-detail"),
    path("comments/<int:pk>/", views.CommentDetailView.as_view(), name="comment-detail"),
    path("members/", views.MemberListView.as_view(), name="member-list"),
    path("members/<int:pk>/", views.MemberDetailView.as_view(), name="member-detail"),
    path("items/<int:pk>/", views.PolicyItemDetailView.as_view(), name="policy-item-detail"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting-detail"),
    path("committees/<int:pk>/", views.CommitteeDetailView.as_view(), name="committee-detail"),
]
