"""Referrals API: the same services as the pages, for phones and dispatch systems."""

import hashlib
import json

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import validation
from accounts.access_log import log_search
from accounts.models import Approval, Organization
from accounts.visibility import RecordViewSetMixin
from referrals import lookups, selectors, serializers, services
from referrals.models import Category, Level, Referral, Status

IDEMPOTENCY_KEY_MAX = 100


def request_hash(data):
    """SHA-256 of the request body in a normal form (key order and spacing do not matter)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    level = django_filters.TypedChoiceFilter(choices=Level.choices, coerce=int)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    team = django_filters.ModelChoiceFilter(queryset=Organization.objects.filter(kind=Organization.Kind.TEAM))
    station = django_filters.ModelChoiceFilter(
        field_name="referring_station", queryset=Organization.objects.filter(kind=Organization.Kind.STATION)
    )
    filed_after = validation.IsoDateTimeFilter(field_name="filed_at", lookup_expr="gte")
    filed_before = validation.IsoDateTimeFilter(field_name="filed_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="search", label="Reference, name, phone, ID number or address")

    class Meta:
        model = Referral
        fields = ["status", "level", "category", "team", "station", "filed_after", "filed_before"]

    def search(self, queryset, name, value):
        matches = selectors.search(self.request.user, value)
        log_search(self.request, value, "api")
        return queryset.filter(pk__in=matches.values("pk"))


# What ReferralListSerializer shows, and the relations it names.
LIST_RELATED = ("team", "referring_station", "assigned_worker")
LIST_COLUMNS = (
    *("id", "reference", "status", "category", "level", "filed_at", "updated_at", "ack_due_at"),
    *("outcome", "needs_reassignment"),
    *("team__name", "referring_station__name"),
    *("assigned_worker__first_name", "assigned_worker__last_name", "assigned_worker__username"),
)


class QueuePagination(CursorPagination):
    """Keyset pagination: stable and fast however deep the list goes."""

    ordering = ("-filed_at", "-id")
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


ACTION_SERIALIZERS = {
    "acknowledge": serializers.EmptySerializer,
    "accept": serializers.AcceptSerializer,
    "decline": serializers.DeclineSerializer,
    "transfer": serializers.TransferSerializer,
    "cancel": serializers.CancelSerializer,
    "first_contact": serializers.FirstContactSerializer,
    "close": serializers.CloseSerializer,
    "feedback": serializers.FeedbackSerializer,
    "return_to_referrer": serializers.ReturnSerializer,
    "resubmit": serializers.ResubmitSerializer,
    "re_refer": serializers.ReReferSerializer,
    "fail": serializers.FailSerializer,
}


ACTION_RESPONSES = {
    200: serializers.ReferralDetailSerializer,
    202: OpenApiResponse(description="The decision waits for a supervisor's approval; nothing changed yet."),
    204: OpenApiResponse(description="Done; the referral is no longer visible to you (e.g. transferred away)."),
}


class ReferralViewSet(
    RecordViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Referral.objects.select_related(*selectors.LIST_RELATED)
    filterset_class = ReferralFilter
    pagination_class = QueuePagination

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            # The list's columns only: whole referral rows with four whole related rows made loading
            # a page cost more than the statement that found it.
            queryset = queryset.select_related(None).select_related(*LIST_RELATED).only(*LIST_COLUMNS)
        return queryset

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.ReferralCreateSerializer
        if self.action == "retrieve":
            return serializers.ReferralDetailSerializer
        if self.action == "notes":
            return serializers.NoteInSerializer
        return ACTION_SERIALIZERS.get(self.action, serializers.ReferralListSerializer)

    @extend_schema(
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)],
        request=serializers.ReferralCreateSerializer,
        responses={
            201: serializers.ReferralDetailSerializer,
            200: OpenApiResponse(serializers.ReferralDetailSerializer, description="A retry: the first referral."),
            422: OpenApiResponse(description="Idempotency-Key reused with a different request."),
        },
    )
    def create(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > IDEMPOTENCY_KEY_MAX:
            raise ValidationError({"Idempotency-Key": [f"At most {IDEMPOTENCY_KEY_MAX} characters."]})
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        persons = [
            ({k: v for k, v in dict(p).items() if k != "role"} | {"id_number": p.get("id_number") or None}, p["role"])
            for p in data.pop("persons")
        ]
        station = data.pop("station", None)
        if not key:
            referral = services.submit_referral(actor=request.user, persons=persons, station=station, **data)
            return self._detail(referral, status.HTTP_201_CREATED)
        try:
            referral, created = services.submit_referral_once(
                actor=request.user,
                idempotency_key=key,
                request_hash=request_hash(request.data),
                persons=persons,
                station=station,
                **data,
            )
        except services.IdempotencyConflict:
            return Response(
                {"detail": "Idempotency-Key reused with a different request"},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return self._detail(referral, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _detail(self, referral, code):
        """The referral as the caller may see it now; 204 when the change took it out of their sight."""
        fresh = self.get_queryset().filter(pk=referral.pk).first()
        if fresh is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(
            serializers.ReferralDetailSerializer(fresh, context={"request": self.request}).data, status=code
        )

    def _act(self, request, call):
        referral = self.get_object()
        serializer = self.get_serializer(
            data=request.data, context={**self.get_serializer_context(), "referral": referral}
        )
        serializer.is_valid(raise_exception=True)
        result = call(request.user, referral, serializer.validated_data)
        if isinstance(result, Approval):  # the decision waits for a supervisor: nothing changed yet
            return Response(
                {"detail": _("Sent to a supervisor for approval."), "approval": result.pk},
                status=status.HTTP_202_ACCEPTED,
            )
        return self._detail(referral, status.HTTP_200_OK)

    @extend_schema(request=None, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._act(request, lambda u, r, d: services.acknowledge_referral(actor=u, referral=r))

    @extend_schema(responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(
            request,
            lambda u, r, d: services.accept_referral(
                actor=u, referral=r, worker=d.get("worker"), feedback=serializers.feedback_of(d)
            ),
        )

    @extend_schema(responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._act(
            request,
            lambda u, r, d: services.decline_referral(
                actor=u, referral=r, reason=d["reason"], note=d["note"], feedback=serializers.feedback_of(d)
            ),
        )

    @extend_schema(responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_to_referrer(self, request, pk=None):
        return self._act(request, lambda u, r, d: services.return_to_referrer(actor=u, referral=r, needed=d["needed"]))

    @extend_schema(responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        return self._act(request, lambda u, r, d: services.resubmit_referral(actor=u, referral=r, added=d["added"]))

    @extend_schema(responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="re-refer")
    def re_refer(self, request, pk=None):
        return self._act(
            request, lambda u, r, d: services.re_refer(actor=u, referral=r, agency=d["agency"], reason=d["reason"])
        )

    @extend_schema(responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def fail(self, request, pk=None):
        return self._act(
            request, lambda u, r, d: services.record_failure(actor=u, referral=r, reason=d["reason"], note=d["note"])
        )

    @extend_schema(responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        return self._act(
            request,
            lambda u, r, d: services.give_feedback(actor=u, referral=r, appropriate=d["appropriate"], gaps=d["gaps"]),
        )

    @extend_schema(responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        return self._act(
            request, lambda u, r, d: services.transfer_referral(actor=u, referral=r, team=d["team"], note=d["note"])
        )

    @extend_schema(responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(request, lambda u, r, d: services.cancel_referral(actor=u, referral=r, reason=d["reason"]))

    @extend_schema(responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="first-contact")
    def first_contact(self, request, pk=None):
        return self._act(
            request, lambda u, r, d: services.record_first_contact(actor=u, referral=r, at=d.get("at"), note=d["note"])
        )

    @extend_schema(responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(
            request,
            lambda u, r, d: services.close_referral(
                actor=u, referral=r, outcome=d["outcome"], summary=d["summary"], referred_to=d["referred_to"]
            ),
        )

    @extend_schema(request=serializers.NoteInSerializer, responses={201: serializers.NoteSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        referral = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = services.add_note(actor=request.user, referral=referral, **serializer.validated_data)
        return Response(serializers.NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class FilesReferrals(BasePermission):
    """Duplicate lookups are for those who file; anyone else gets 404, as for a page not theirs."""

    def has_permission(self, request, view):
        if not lookups.may_look_up(request.user):
            raise NotFound
        return True


class SuggestionView(APIView):
    """Existing persons, households and recent open referrals matching what is being filed.

    Only records the caller may see are listed; a match elsewhere is only flagged (``possible_match``).
    Rate-limited per user and written to the access log (a keyed hash of each key looked up).
    """

    permission_classes = [IsAuthenticated, FilesReferrals]
    throttle_classes = lookups.THROTTLES

    @extend_schema(parameters=[serializers.SuggestionQuerySerializer], responses=serializers.SuggestionsSerializer)
    def get(self, request):
        query = serializers.SuggestionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        person = dict(query.validated_data)
        found = lookups.look_up(request, [person], person.get("address", "")) or selectors.NO_SUGGESTIONS
        return Response(serializers.SuggestionsSerializer(found).data)
