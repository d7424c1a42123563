from django.contrib import admin
from django.urls import include, path

from dashboard import views as dashboard_views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("", include("agencies.urls")),
    path("", include("cases.urls")),
    path("", include("consent.urls")),
    path("meetings/", include("meetings.urls")),
    path("referrals/", include("referrals.urls")),
    path("reports/", include("reports.urls")),
    path("retention/", include("retention.urls")),
    path("staff/", include("staff.urls")),
    path("admin/", admin.site.urls),
]
