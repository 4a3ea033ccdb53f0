from django.urls import path
from rest_framework.routers import SimpleRouter

from referrals import api

router = SimpleRouter()
router.register("referrals", api.ReferralViewSet, basename="referral")

urlpatterns = [
    path("referral-suggestions/", api.SuggestionView.as_view(), name="referral-suggestions"),
    *router.urls,
]
