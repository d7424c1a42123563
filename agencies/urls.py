from django.urls import include, path

from . import accounts, resource_views, views

account_patterns = [
    path("password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("mfa/setup/", accounts.mfa_setup, name="mfa_setup"),
    path("mfa/verify/", accounts.mfa_verify, name="mfa_verify"),
    path("mfa/recovery-codes/", accounts.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("mfa/reenrol/", accounts.mfa_reenrol, name="mfa_reenrol"),
    path(
        "set-password/<uidb64>/<token>/",
        accounts.PasswordSetView.as_view(),
        name="password_set",
    ),
    path("set-password/done/", accounts.PasswordSetDoneView.as_view(), name="password_set_done"),
    path("session/keepalive/", accounts.session_keepalive, name="session_keepalive"),
    path("session/status/", accounts.session_status, name="session_status"),
]

resource_patterns = [
    path("", resource_views.resource_list, name="resource_list"),
    path("new/", resource_views.resource_new, name="resource_new"),
    path("<int:pk>/", resource_views.resource_detail, name="resource_detail"),
    path("<int:pk>/edit/", resource_views.resource_edit, name="resource_edit"),
    path("<int:pk>/figures/", resource_views.resource_figures, name="resource_figures"),
]

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/", include((account_patterns, "accounts"))),
    path("healthz/", views.healthz, name="healthz"),
    path("resources/", include((resource_patterns, "resources"))),
]
