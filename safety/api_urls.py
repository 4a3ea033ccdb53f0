from rest_framework.routers import SimpleRouter

from safety import api

router = SimpleRouter()
router.register("hazard-events", api.HazardEventViewSet, basename="hazard-event")
router.register("risk-flags", api.RiskFlagViewSet, basename="risk-flag")
router.register("visits", api.VisitViewSet, basename="visit")
router.register("escort-requests", api.EscortViewSet, basename="escort-request")
router.register("safety-alerts", api.AlertViewSet, basename="safety-alert")
urlpatterns = router.urls
