from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from jiefen.accounts.views import SignInView

admin.autodiscover()
admin.site.site_header = _("解纷 · 系统管理")
admin.site.site_title = _("解纷")
admin.site.index_title = _("管理")

urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("jiefen.accounts.urls")),
    # The admin signs in through the same two-step sign-in as everything else.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("public/court/", include("jiefen.courts.portal_urls")),
    path("public/agreement/", include("jiefen.documents.assent_urls")),
    path("public/", include("jiefen.portal.urls")),
    path("", include("jiefen.appointments.urls")),
    path("api/", include("jiefen.api.urls")),
    path("open311/v2/", include("jiefen.api.open311_urls")),
    path("metrics/", include("jiefen.metrics.urls")),
    path("evaluation/", include("jiefen.evaluation.urls")),
    path("supervision/", include("jiefen.supervision.urls")),
    path("meetings/receptions/", include("jiefen.receptions.urls")),
    path("meetings/", include("jiefen.meetings.urls")),
    path("documents/", include("jiefen.documents.urls")),
    path("courts/", include("jiefen.courts.urls")),
    path("sheets/", include("jiefen.spreadsheets.urls")),
    path("audit/", include("jiefen.audit.urls")),
    path("privacy/", include("jiefen.privacy.urls")),
    path("", include("jiefen.ops.urls")),
    path("attachments/", include("jiefen.attachments.urls")),
    path("mediators/", include("jiefen.mediators.urls")),
    path("", include("jiefen.conversations.urls")),
    path("", include("jiefen.search.urls")),
    path("", include("jiefen.disputes.urls")),
]

handler400 = "jiefen.ops.errors.bad_request"
handler500 = "jiefen.ops.errors.server_error"
