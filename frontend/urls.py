from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import views

app_name = "frontend"

urlpatterns = [
    path("", views.weekly_review, name="weekly_review"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

# Membership review: approval queue, quality report, a person's rights (frontend/review.py).
from frontend import review  # noqa: E402

urlpatterns += [
    path("review/memberships/", review.approval_queue, name="membership_queue"),
    path("review/memberships/<int:pk>/decide/", review.decide_membership, name="membership_decide"),
    path("review/quality/", review.quality_report_page, name="quality_report"),
    path("review/quality.csv", review.quality_report_csv, name="quality_report_csv"),
    path("review/people/<int:pk>/rights/", review.person_rights, name="person_rights"),
    path("review/people/<int:pk>/rights/notice/", review.record_notice, name="person_notice"),
    path("review/people/<int:pk>/rights/request/", review.log_request, name="person_request"),
    path("review/requests/<int:pk>/decide/", review.decide_request, name="request_decide"),
    path("review/requests/<int:pk>/export/", review.access_export, name="request_export"),
]
