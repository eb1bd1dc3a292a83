from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from rathaus.appointments.api import api
from rathaus.core import views as core
from rathaus.core.metrics import metrics_view
from rathaus.notifications import views as outbox

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("identity/", include("rathaus.identity.urls")),
    path("payments/notify/", include("rathaus.payments.notify_urls")),
    path("healthz", core.health, name="health"),
    path("readyz", core.ready, name="ready"),
    path("metrics", metrics_view, name="metrics"),
    path("favicon.ico", core.favicon, name="favicon"),
    path("dev/outbox/", outbox.outbox, name="outbox"),
    path("dev/outbox/<int:pk>/", outbox.outbox_message, name="outbox_message"),
    path("dev/outbox/<int:pk>/attachments/<int:index>/", outbox.outbox_attachment,
         name="outbox_attachment"),
]

urlpatterns += i18n_patterns(
    path("", include("rathaus.catalog.urls")),
    path("", include("rathaus.applications.urls")),
    path("", include("rathaus.cases.urls")),
    path("", include("rathaus.payments.urls")),
    path("", include("rathaus.appointments.urls")),
    path("", include("rathaus.appointments.waiting_room_urls")),
    path("", include("rathaus.account.urls")),
    path("staff/appointments/statistics/", include("rathaus.appointments.stats_urls")),
    path("staff/appointments/", include("rathaus.appointments.staff_urls")),
    path("staff/", include("rathaus.staff.urls")),
    path("impressum/", core.legal_page, {"template": "core/impressum.html"}, name="impressum"),
    path("datenschutz/", core.legal_page, {"template": "core/privacy.html"}, name="privacy"),
    path("barrierefreiheit/", core.legal_page, {"template": "core/accessibility.html"},
         name="accessibility"),
    path("leichte-sprache/", core.legal_page, {"template": "core/easy_language.html"},
         name="easy_language"),
)

handler400 = "rathaus.core.views.bad_request"
handler403 = "rathaus.core.views.permission_denied"
handler404 = "rathaus.core.views.page_not_found"
handler500 = "rathaus.core.views.server_error"
