from rest_framework.routers import SimpleRouter

from patrols import api

router = SimpleRouter()
router.register("beats", api.BeatViewSet, basename="beat")
router.register("persons-of-concern", api.PersonOfConcernViewSet, basename="person-of-concern")
router.register("patrol-visits", api.PatrolVisitViewSet, basename="patrol-visit")
router.register("key-locations", api.KeyLocationViewSet, basename="key-location")
router.register("community-activities", api.ActivityViewSet, basename="community-activity")
urlpatterns = router.urls
