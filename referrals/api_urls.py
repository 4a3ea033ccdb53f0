from django.urls import path
from rest_framework.routers import SimpleRouter

from referrals import api, fhir

router = SimpleRouter()
router.register("referrals", api.ReferralViewSet, basename="referral")

urlpatterns = [
    path("referral-suggestions/", api.SuggestionView.as_view(), name="referral-suggestions"),
    path("fhir/Task/<str:reference>", fhir.FhirResourceView.as_view(resource_type="Task"), name="fhir-task"),
    path(
        "fhir/ServiceRequest/<str:reference>",
        fhir.FhirResourceView.as_view(resource_type="ServiceRequest"),
        name="fhir-service-request",
    ),
    *router.urls,
]
