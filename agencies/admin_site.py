"""The admin site for master data (agencies, staff, issue categories).

Its own login form is never shown: anonymous visitors go to the one login page (the
middleware), and a signed-in user without admin rights gets 403 instead of a second
login form.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied


class KasaneAdminSite(admin.AdminSite):
    site_header = "Kasane マスタ管理"
    site_title = "Kasane マスタ管理"
    index_title = "機関・職員・相談内容の区分"

    def login(self, request, extra_context=None):
        from django.contrib.auth.views import redirect_to_login

        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.get_full_path())


class KasaneAdminConfig(AdminConfig):
    default_site = "agencies.admin_site.KasaneAdminSite"
