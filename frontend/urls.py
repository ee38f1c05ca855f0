from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from frontend.pages import (
    accessibility,
    audit,
    callins,
    consents,
    fidelity,
    flags,
    followups,
    groups,
    membership_review,
    outcomes,
    persons,
    purpose,
    research_exports,
    twofactor,
    weekly_review,
)

app_name = "frontend"

urlpatterns = [
    path("", weekly_review.weekly_review, name="weekly_review"),
    path("review.csv", weekly_review.weekly_review_csv, name="weekly_review_csv"),
    path("review.pdf", weekly_review.weekly_review_pdf, name="weekly_review_pdf"),
    path("review.xlsx", weekly_review.weekly_review_xlsx, name="weekly_review_xlsx"),
    path("review-quality/", weekly_review.weekly_review_quality, name="weekly_review_quality"),
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
    path("flags/<int:pk>/explanation.csv", flags.flag_explanation_csv, name="flag_explanation_csv"),
    path("evaluation/outcomes/", outcomes.outcomes_page, name="outcomes"),
    path("evaluation/outcomes.csv", outcomes.outcomes_csv, name="outcomes_csv"),
    path("evaluation/outcomes.pdf", outcomes.outcomes_pdf, name="outcomes_pdf"),
    path("evaluation/outcomes.xlsx", outcomes.outcomes_xlsx, name="outcomes_xlsx"),
    path("evaluation/fidelity/", fidelity.fidelity_page, name="fidelity"),
    path("evaluation/fidelity.csv", fidelity.fidelity_csv, name="fidelity_csv"),
    path("evaluation/fidelity.pdf", fidelity.fidelity_pdf, name="fidelity_pdf"),
    path("evaluation/fidelity.xlsx", fidelity.fidelity_xlsx, name="fidelity_xlsx"),
    path("evaluation/research-exports/", research_exports.research_exports, name="research_exports"),
    path("evaluation/research-exports/request/", research_exports.request_export, name="research_export_request"),
    path("evaluation/research-exports/<int:pk>/decide/", research_exports.decide_export, name="research_export_decide"),
    path(
        "evaluation/research-exports/<int:pk>/package.zip",
        research_exports.download_export,
        name="research_export_download",
    ),
    path("follow-ups/", followups.board, name="follow_ups"),
    path("follow-ups/<int:pk>/status/", followups.change_status, name="follow_up_status"),
    path("accessibility/", accessibility.accessibility_statement, name="accessibility"),
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

# Membership review: approval queue, quality report, a person's rights (frontend/pages/membership_review.py).

urlpatterns += [
    path("review/memberships/", membership_review.approval_queue, name="membership_queue"),
    path("review/memberships/<int:pk>/decide/", membership_review.decide_membership, name="membership_decide"),
    path("review/quality/", membership_review.quality_report_page, name="quality_report"),
    path("review/quality.csv", membership_review.quality_report_csv, name="quality_report_csv"),
    path("review/people/<int:pk>/rights/", membership_review.person_rights, name="person_rights"),
    path("review/people/<int:pk>/rights/notice/", membership_review.record_notice, name="person_notice"),
    path("review/people/<int:pk>/rights/request/", membership_review.log_request, name="person_request"),
    path("people/<int:pk>/consents/", consents.person_consents, name="person_consents"),
    path("people/<int:pk>/consents/record/", consents.record_consent, name="person_consent_record"),
    path(
        "people/<int:pk>/consents/<int:consent_pk>/withdraw/",
        consents.withdraw_consent,
        name="person_consent_withdraw",
    ),
    path("review/requests/<int:pk>/decide/", membership_review.decide_request, name="request_decide"),
    path("review/requests/<int:pk>/export/", membership_review.access_export, name="request_export"),
]

# Two-factor login (set-up and verify pages), owned by the privacy work.

urlpatterns += twofactor.urlpatterns

# The auditor's pages (access log, change history, CSV exports), owned by the privacy work.

urlpatterns += audit.urlpatterns

# The purpose of access, asked once per working session (frontend/pages/purpose.py).

urlpatterns += purpose.urlpatterns
