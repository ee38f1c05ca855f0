from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import views

app_name = "frontend"

urlpatterns = [
    path("", views.weekly_review, name="weekly_review"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

# Two-factor login (set-up and verify pages), owned by the privacy work.
from frontend import twofactor  # noqa: E402

urlpatterns += twofactor.urlpatterns

# The auditor's pages (access log, change history, CSV exports), owned by the privacy work.
from frontend import audit  # noqa: E402

urlpatterns += audit.urlpatterns
