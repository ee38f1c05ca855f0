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
    imports,
    incidents,
    membership_review,
    outcomes,
    persons,
    purpose,
    records,
    research_exports,
    search,
    twofactor,
    weekly_review,
)

app_name = "frontend"

urlpatterns = [
    path("", weekly_review.weekly_review, name="weekly_review"),
    path("review.csv", weekly_review.weekly_review_csv, name="weekly_review_csv"),
    path("review.pdf", weekly_review.weekly_review_pdf, name="weekly_review_pdf"),
    path("review.xlsx", weekly_review.weekly_review_xlsx, name="weekly_review_xlsx"),
    path("review/held/", weekly_review.weekly_review_held, name="weekly_review_held"),
    path("review-quality/", weekly_review.weekly_review_quality, name="weekly_review_quality"),
    path("groups/", groups.group_list, name="group_list"),
    path("groups/new/", records.group_create, name="group_create"),
    path("groups/<int:pk>/", groups.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", records.group_edit, name="group_edit"),
    path("groups/<int:pk>/relations/new/", records.group_relation_create, name="group_relation_create"),
    path("persons/", persons.person_list, name="person_list"),
    path("persons/new/", records.person_create, name="person_create"),
    path("persons/<int:pk>/", persons.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", records.person_edit, name="person_edit"),
    path("persons/<int:pk>/memberships/propose/", records.membership_propose, name="membership_propose"),
    path("incidents/", incidents.incident_list, name="incident_list"),
    path("incidents/new/", incidents.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/correct/", incidents.incident_correct, name="incident_correct"),
    path("incidents/<int:pk>/retract/", incidents.incident_retract, name="incident_retract"),
    path("incidents/<int:pk>/involvements/new/", incidents.involvement_create, name="involvement_create"),
    path("incidents/<int:pk>/attributions/new/", incidents.attribution_create, name="attribution_create"),
    path("search/", search.search, name="search"),
    path("call-ins/", callins.call_in_list, name="call_in_list"),
    path("call-ins/<int:pk>/", callins.call_in_detail, name="call_in_detail"),
    path("call-ins/<int:pk>/print/", callins.call_in_print, name="call_in_print"),
    path(
        "call-ins/<int:pk>/invitations/<int:invitation_pk>/attendance/",
        callins.record_attendance,
        name="record_attendance",
    ),
    path("call-ins/<int:pk>/attendance/", callins.save_attendance, name="save_attendance"),
    path("call-ins/<int:pk>/status/", callins.change_status, name="call_in_status"),
    path("call-ins/<int:pk>/message/", callins.call_in_message, name="call_in_message"),
    path("call-ins/<int:pk>/run-sheet/", callins.call_in_run_sheet, name="call_in_run_sheet"),
    path("call-ins/<int:pk>/plan-notification/", callins.plan_notification, name="call_in_plan_notification"),
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
    path("imports/", imports.import_list, name="import_list"),
    path("imports/upload/", imports.import_upload, name="import_upload"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/cancel/", imports.import_cancel, name="import_cancel"),
    path(
        "imports/templates/<str:kind>-<str:language>.<str:extension>",
        imports.import_template,
        name="import_template",
    ),
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
    path("review/attributions/", membership_review.attribution_queue, name="attribution_queue"),
    path("review/attributions/<int:pk>/decide/", membership_review.decide_attribution, name="attribution_decide"),
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

# Controllers and processings, and the register extract's review step (frontend/pages/controllers.py).
from frontend.pages import controllers  # noqa: E402

urlpatterns += [
    path("privacy/controllers/", controllers.controllers_page, name="controllers"),
    path("privacy/controllers/<str:which>/", controllers.save, name="controllers_save"),
    path("review/requests/<int:pk>/extract/", controllers.extract_review, name="extract_review"),
    path("review/requests/<int:pk>/extract/withhold/", controllers.extract_withhold, name="extract_withhold"),
    path("review/requests/<int:pk>/extract/release/", controllers.extract_release, name="extract_release"),
    path("review/requests/<int:pk>/extract/reviewed/", controllers.extract_reviewed, name="extract_reviewed"),
]

# Two-factor login (set-up and verify pages), owned by the privacy work.

urlpatterns += twofactor.urlpatterns

# The auditor's pages (access log, change history, CSV exports), owned by the privacy work.

urlpatterns += audit.urlpatterns

# The purpose of access, asked once per working session (frontend/pages/purpose.py).

urlpatterns += purpose.urlpatterns

# Each partner's own work: supervisions, concern reports, exit cases, risk assessments, follow-ups.
from frontend.pages import partner_work  # noqa: E402

urlpatterns += [
    path("work/supervisions/", partner_work.supervisions, name="supervisions"),
    path("work/supervisions/<int:pk>/change/", partner_work.supervision_edit, name="supervision_edit"),
    path("persons/<int:pk>/supervisions/new/", partner_work.supervision_new, name="supervision_new"),
    path("work/concern-reports/", partner_work.concern_reports, name="concern_reports"),
    path("persons/<int:pk>/concern-reports/new/", partner_work.concern_report_new, name="concern_report_new"),
    path("work/exit-cases/", partner_work.exit_cases, name="exit_cases"),
    path("work/exit-cases/<int:pk>/change/", partner_work.exit_case_edit, name="exit_case_edit"),
    path("persons/<int:pk>/exit-cases/new/", partner_work.exit_case_new, name="exit_case_new"),
    path("work/risk-assessments/", partner_work.risk_assessments, name="risk_assessments"),
    path("work/risk-assessments/<int:pk>/change/", partner_work.risk_assessment_edit, name="risk_assessment_edit"),
    path("persons/<int:pk>/risk-assessments/new/", partner_work.risk_assessment_new, name="risk_assessment_new"),
    path("follow-ups/new/", partner_work.follow_up_new, name="follow_up_new"),
]

# Single sign-on through OpenID Connect (frontend/sso.py): 404 unless GVI_OIDC_ENABLED.
from frontend import sso  # noqa: E402

urlpatterns += sso.urlpatterns
