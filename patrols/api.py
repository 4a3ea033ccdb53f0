"""Patrols API (police only): beats, persons of concern, visits, key locations, activities."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.models import Organization
from accounts.visibility import RecordViewSetMixin, VisibleViewSetMixin
from patrols import serializers, services
from patrols.models import Beat, CommunityActivity, KeyLocation, PatrolVisit, PersonOfConcern


class ReadOnly(VisibleViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pass


class RecordReadOnly(RecordViewSetMixin, ReadOnly):
    """Persons of concern and their visits: every record read (retrieved or listed) is in the access log."""


class BeatViewSet(ReadOnly):
    queryset = Beat.objects.select_related("station")
    serializer_class = serializers.BeatSerializer


def visible_beats(request):
    """A filter by beat takes only the caller's beats: another unit's beat id is "not a choice", like a missing one."""
    return Beat.objects.visible_to(request.user) if request is not None else Beat.objects.none()


class PersonOfConcernFilter(django_filters.FilterSet):
    beat = django_filters.ModelChoiceFilter(queryset=visible_beats)

    class Meta:
        model = PersonOfConcern
        fields = ["risk_level", "beat"]


class PersonOfConcernViewSet(RecordReadOnly):
    queryset = PersonOfConcern.objects.select_related("station")
    serializer_class = serializers.PersonOfConcernSerializer
    filterset_class = PersonOfConcernFilter


class KeyLocationViewSet(ReadOnly):
    queryset = KeyLocation.objects.select_related("station")
    serializer_class = serializers.KeyLocationSerializer
    filterset_fields = ["type", "status"]


class PatrolVisitViewSet(RecordReadOnly, mixins.CreateModelMixin):
    queryset = PatrolVisit.objects.all()
    serializer_class = serializers.PatrolVisitSerializer

    def create(self, request, *args, **kwargs):
        # A person the caller cannot see (anyone outside the police unit) answers like a missing id.
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        visit = services.record_visit(actor=request.user, person=data.pop("person"), **data)
        visit = self.get_queryset().get(pk=visit.pk)  # re-read through the caller's visibility
        return Response(self.get_serializer(visit).data, status=status.HTTP_201_CREATED)


class ActivityViewSet(ReadOnly, mixins.CreateModelMixin):
    queryset = CommunityActivity.objects.all()
    serializer_class = serializers.ActivitySerializer

    def create(self, request, *args, **kwargs):
        if not (request.user.is_police or request.user.is_administrator):
            raise NotFound
        station = request.user.organization
        if station is None or station.kind != Organization.Kind.STATION:
            # Logged for the caller's own station: without one, the action is not the caller's.
            raise PermissionDenied(_("Activities are logged by a station."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity = services.log_activity(actor=request.user, station=station, **serializer.validated_data)
        activity = self.get_queryset().get(pk=activity.pk)  # re-read through the caller's visibility
        return Response(self.get_serializer(activity).data, status=status.HTTP_201_CREATED)
