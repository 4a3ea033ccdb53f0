"""FHIR R4 renderings of a referral: a ``Task`` (the workflow) and the ``ServiceRequest`` it is about.

Only what police and social work both see goes out: reference, status, category, level, dates,
station, team, outcome and its shareable summary. No persons, narrative or notes: a receiving
system asks for those through its own agreement. Statuses carry the Taiwan social-safety-net
referral codes (等待中 waiting, 受案 accepted, 不受案 not accepted, 完成 completed, …) as the
task's business status.
"""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access_log import log_access
from accounts.visibility import get_visible_or_404
from referrals.models import STATUS_CODES as CODES
from referrals.models import Referral, Status


class FhirJSONRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


# status → (Task.status, ServiceRequest.status); the business status is the public sector's code.
FHIR_STATUS = {
    Status.SUBMITTED: ("requested", "active"),
    Status.ACKNOWLEDGED: ("received", "active"),
    Status.ACCEPTED: ("accepted", "active"),
    Status.IN_PROGRESS: ("in-progress", "active"),
    Status.CLOSED: ("completed", "completed"),
    Status.DECLINED: ("rejected", "revoked"),
    Status.CANCELLED: ("cancelled", "revoked"),
    Status.RETURNED: ("on-hold", "on-hold"),
    Status.RE_REFERRED: ("completed", "completed"),
    Status.FAILED: ("failed", "revoked"),
}
STATUS_CODES = {status: (*FHIR_STATUS[status], *CODES[status]) for status in Status}
# Triage level 1 (immediate) to 3 (routine) as a FHIR request priority.
PRIORITY = {1: "stat", 2: "urgent", 3: "routine"}


def _system(name):
    return f"{settings.SITE_URL.rstrip('/')}/fhir/{name}"


def _identifier(referral):
    return [{"system": _system("referral-reference"), "value": referral.reference}]


def _when(value):
    return value.isoformat() if value else None


def _concept(system, code, display):
    return {"coding": [{"system": _system(system), "code": code, "display": str(display)}], "text": str(display)}


def _organisation(org):
    return {"display": org.name} if org else None


def _fhir_id(referral):
    # FHIR ids allow letters, digits, '-' and '.': the reference as it is.
    return referral.reference


def service_request(referral):
    status = STATUS_CODES[referral.status][1]
    household = referral.household_id
    subject = (
        {"type": "Group", "identifier": {"system": _system("household"), "value": str(household)}}
        if household
        else {"display": "not recorded"}
    )
    resource = {
        "resourceType": "ServiceRequest",
        "id": _fhir_id(referral),
        "identifier": _identifier(referral),
        "status": status,
        "intent": "order",
        "category": [_concept("referral-category", referral.category, referral.get_category_display())],
        "priority": PRIORITY.get(referral.level, "routine"),
        "code": _concept("referral-category", referral.category, referral.get_category_display()),
        "subject": subject,
        "authoredOn": _when(referral.filed_at),
        "requester": _organisation(referral.referring_station),
        "performer": [p for p in [_organisation(referral.team)] if p],
    }
    return _without_empty(resource)


def task(referral):
    task_status, _sr, code, display = STATUS_CODES[referral.status]
    resource = {
        "resourceType": "Task",
        "id": _fhir_id(referral),
        "identifier": _identifier(referral),
        "basedOn": [{"reference": f"ServiceRequest/{_fhir_id(referral)}"}],
        "focus": {"reference": f"ServiceRequest/{_fhir_id(referral)}"},
        "status": task_status,
        "businessStatus": _concept("referral-status", code, display),
        "statusReason": _status_reason(referral),
        "intent": "order",
        "priority": PRIORITY.get(referral.level, "routine"),
        "code": _concept("referral-category", referral.category, referral.get_category_display()),
        "authoredOn": _when(referral.filed_at),
        "lastModified": _when(referral.updated_at),
        "requester": _organisation(referral.referring_station),
        "owner": _organisation(referral.team),
        "executionPeriod": _without_empty({"start": _when(referral.accepted_at), "end": _when(referral.closed_at)}),
        "output": _outputs(referral),
    }
    return _without_empty(resource)


def _status_reason(referral):
    if referral.status == Status.DECLINED and referral.decline_reason:
        return _concept("decline-reason", referral.decline_reason, referral.get_decline_reason_display())
    return None


def _outputs(referral):
    if not referral.outcome:
        return []
    outputs = [{"type": {"text": "outcome"}, "valueString": str(referral.get_outcome_display())}]
    if referral.outcome_summary:
        outputs.append({"type": {"text": "outcome summary"}, "valueString": referral.outcome_summary})
    return outputs


def _without_empty(resource):
    # FHIR forbids empty values: leave out what is unknown rather than sending nulls or [].
    return {key: value for key, value in resource.items() if value not in (None, [], {}, "")}


RENDERINGS = {"Task": task, "ServiceRequest": service_request}


class FhirResourceView(APIView):
    """A referral as a FHIR R4 resource, for the public sector's referral platforms."""

    renderer_classes = [FhirJSONRenderer, JSONRenderer]
    resource_type = "Task"

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Referral as a FHIR R4 resource")
    def get(self, request, reference):
        referral = get_visible_or_404(
            Referral.objects.select_related("referring_station", "team"), request.user, reference=reference
        )
        log_access(request, referral, detail=f"fhir {self.resource_type}")
        return Response(RENDERINGS[self.resource_type](referral))
