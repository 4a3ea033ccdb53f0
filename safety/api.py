"""Safety API: what a phone app needs for events, flags, visits, escorts and alerts."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from accounts.visibility import RecordViewSetMixin
from safety import policy, serializers, services
from safety.models import EscortRequest, HazardEvent, HomeVisit, RiskFlag, SafetyAlert


class HazardEventViewSet(
    RecordViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = HazardEvent.objects.select_related("team")
    serializer_class = serializers.HazardEventSerializer
    filterset_fields = ["injury", "is_major"]

    def create(self, request, *args, **kwargs):
        if not policy.may_ever(request.user, "report_event"):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.report_hazard_event(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(event).data, status=status.HTTP_201_CREATED)


class RiskFlagFilter(django_filters.FilterSet):
    """Filters by id without looking the id up: an invisible person or household answers like a missing one
    (an empty list), never "no such record"."""

    person = django_filters.NumberFilter(field_name="person_id")
    household = django_filters.NumberFilter(field_name="household_id")

    class Meta:
        model = RiskFlag
        fields = ["person", "household", "type"]


class RiskFlagViewSet(
    RecordViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = RiskFlag.objects.all()
    serializer_class = serializers.RiskFlagSerializer
    filterset_class = RiskFlagFilter

    def create(self, request, *args, **kwargs):
        if not policy.may_ever(request.user, "add_flag"):  # police and the dispatch account: before any input
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        flag = services.add_risk_flag(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(flag).data, status=status.HTTP_201_CREATED)


class VisitViewSet(RecordViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = HomeVisit.objects.all()
    serializer_class = serializers.VisitSerializer

    def _done(self, visit):
        """The visit as the caller sees it after the action (re-read through visibility)."""
        return Response(self.get_serializer(get_object_or_404(self.get_queryset(), pk=visit.pk)).data)

    @extend_schema(request=None, responses=serializers.VisitSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._done(services.start_visit(actor=request.user, visit=self.get_object()))

    @extend_schema(request=serializers.CheckInSerializer, responses=serializers.VisitSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        visit = self.get_object()  # visibility before validation: no hint that a hidden record exists
        data = serializers.CheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.check_in(actor=request.user, visit=visit, extend_minutes=data.validated_data["extend_minutes"])
        )

    @extend_schema(request=serializers.CheckOutSerializer, responses=serializers.VisitSerializer)
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        visit = self.get_object()
        data = serializers.CheckOutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.check_out(actor=request.user, visit=visit, code=data.validated_data["code"]))

    @extend_schema(request=None, responses=serializers.VisitSerializer)
    @action(detail=True, methods=["post"])
    def alarm(self, request, pk=None):
        visit = self.get_object()
        services.raise_alarm(actor=request.user, visit=visit)
        return self._done(visit)


class EscortViewSet(RecordViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = EscortRequest.objects.select_related("station")
    serializer_class = serializers.EscortSerializer

    @extend_schema(request=serializers.EscortAnswerSerializer, responses=serializers.EscortSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        escort = self.get_object()
        data = serializers.EscortAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        escort = services.answer_escort(actor=request.user, escort=escort, **data.validated_data)
        return Response(self.get_serializer(get_object_or_404(self.get_queryset(), pk=escort.pk)).data)


class AlertViewSet(RecordViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = SafetyAlert.objects.all()
    serializer_class = serializers.AlertSerializer

    @extend_schema(request=None, responses=serializers.AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alert = services.acknowledge_alert(actor=request.user, alert=self.get_object())
        return Response(self.get_serializer(get_object_or_404(self.get_queryset(), pk=alert.pk)).data)

    @extend_schema(request=serializers.ResolveSerializer, responses=serializers.AlertSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        alert = self.get_object()
        data = serializers.ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = services.resolve_alert(actor=request.user, alert=alert, **data.validated_data)
        return Response(self.get_serializer(get_object_or_404(self.get_queryset(), pk=alert.pk)).data)
