from rest_framework.routers import SimpleRouter

from referrals import api

router = SimpleRouter()
router.register("referrals", api.ReferralViewSet, basename="referral")
router.register("referral-suggestions", api.SuggestionViewSet, basename="referral-suggestion")

urlpatterns = router.urls
