from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts import health, push_views
from accounts import views as account_views
from accounts.sms import views as sms_views
from safety import views as safety_views

admin.site.site_header = admin.site.site_title = "Police social work"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    # The visit page as an installable app: its service worker must sit above the pages it serves.
    path("sw.js", safety_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", safety_views.manifest, name="manifest"),
    # Browser push's service worker, at the root; /sw.js is the visit page's offline worker.
    path("push-sw.js", push_views.push_service_worker, name="push_service_worker"),
    path("sms/status/", sms_views.status_callback, name="sms_status"),
    path("approvals/", account_views.approval_queue, name="approvals"),
    path("approvals/<int:pk>/decide/", account_views.approval_decide, name="approval_decide"),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
    path("referrals/", include("referrals.urls")),
    path("safety/", include("safety.urls")),
    path("patrols/", include("patrols.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("admin/", admin.site.urls),
    # API: each app contributes its own routes under /api/.
    path("api/", include("accounts.api_urls")),
    path("api/", include("referrals.api_urls")),
    path("api/", include("safety.api_urls")),
    path("api/", include("patrols.api_urls")),
    path("api/", include("dashboards.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

# Uploads (hazard attachments) are never served from MEDIA_URL, not even with DEBUG on: only
# through the views that check visibility and write the access log (safety:attachment).
