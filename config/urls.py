from django.contrib import admin
from django.urls import include, path

from cases import views as case_views

admin.site.site_header = "Kasane 管理"
admin.site.site_title = "Kasane 管理"
admin.site.index_title = "マスタ・職員の管理"

urlpatterns = [
    path("", case_views.home, name="home"),
    path("", include("agencies.urls")),
    path("", include("cases.urls")),
    path("staff/", include("agencies.staff_urls")),
    path("admin/", admin.site.urls),
]
