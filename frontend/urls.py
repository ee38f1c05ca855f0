from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from frontend.pages import callins, flags, followups, groups, outcomes, persons, review

app_name = "frontend"

urlpatterns = [
    path("", review.weekly_review, name="weekly_review"),
    path("review.csv", review.weekly_review_csv, name="weekly_review_csv"),
    path("review.pdf", review.weekly_review_pdf, name="weekly_review_pdf"),
    path("groups/", groups.group_list, name="group_list"),
    path("groups/<int:pk>/", groups.group_detail, name="group_detail"),
    path("persons/", persons.person_list, name="person_list"),
    path("persons/<int:pk>/", persons.person_detail, name="person_detail"),
    path("call-ins/", callins.call_in_list, name="call_in_list"),
    path("call-ins/<int:pk>/", callins.call_in_detail, name="call_in_detail"),
    path("call-ins/<int:pk>/print/", callins.call_in_print, name="call_in_print"),
    path(
        "call-ins/<int:pk>/invitations/<int:invitation_pk>/attendance/",
        callins.record_attendance,
        name="record_attendance",
    ),
    path("flags/<int:pk>/", flags.flag_detail, name="flag_detail"),
    path("evaluation/outcomes/", outcomes.outcomes_page, name="outcomes"),
    path("evaluation/outcomes.csv", outcomes.outcomes_csv, name="outcomes_csv"),
    path("follow-ups/", followups.board, name="follow_ups"),
    path("follow-ups/<int:pk>/status/", followups.change_status, name="follow_up_status"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        # Our own templates: the admin's registration/ templates would otherwise win.
        auth_views.PasswordChangeView.as_view(
            template_name="frontend/account/password_change_form.html",
            success_url=reverse_lazy("frontend:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="frontend/account/password_change_done.html"),
        name="password_change_done",
    ),
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

# Two-factor login (set-up and verify pages), owned by the privacy work.
from frontend import twofactor  # noqa: E402

urlpatterns += twofactor.urlpatterns

# The auditor's pages (access log, change history, CSV exports), owned by the privacy work.
from frontend import audit  # noqa: E402

urlpatterns += audit.urlpatterns

# The purpose of access, asked once per working session (frontend/purpose.py).
from frontend import purpose  # noqa: E402

urlpatterns += purpose.urlpatterns
