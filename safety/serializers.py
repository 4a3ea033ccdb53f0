from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from referrals.models import Household, Person
from safety.models import (
    CLIENT_SOURCES,
    EscortRequest,
    HazardEvent,
    HazardType,
    HomeVisit,
    RiskFlag,
    RiskSource,
    SafetyAlert,
)


class AllowedActionsMixin(serializers.Serializer):
    """What the caller may do with the record now, from safety/policy.py (never from status strings)."""

    allowed_actions = serializers.SerializerMethodField()

    def get_allowed_actions(self, obj) -> list[str]:
        from safety import policy

        request = self.context.get("request")
        return sorted(policy.allowed_actions(request.user, obj)) if request is not None else []


class HazardEventSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    types = serializers.ListField(
        child=serializers.ChoiceField(choices=HazardType.choices), min_length=1, max_length=len(HazardType.choices)
    )
    team = serializers.StringRelatedField()

    class Meta:
        model = HazardEvent
        fields = [
            "id",
            "reference",
            "types",
            "occurred_at",
            "place",
            "injury",
            "property_loss",
            "offender_description",
            "police_report_made",
            "media_report_count",
            "media_links",
            "narrative",
            "referral",
            "visit",
            "team",
            "is_major",
            "major_reasons",
            "created_at",
            "allowed_actions",
        ]
        read_only_fields = ["id", "reference", "team", "is_major", "major_reasons", "created_at", "referral", "visit"]


class RiskFlagSerializer(serializers.ModelSerializer):
    """A flag on a person or household the caller can see. An id outside the caller's visibility is
    answered exactly like a missing one; the source is an agency record or the caller's observation
    (police and hazard-event sources are set by the system)."""

    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.none(), required=False, allow_null=True)
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.none(), required=False, allow_null=True)
    source = serializers.ChoiceField(
        choices=[(value, label) for value, label in RiskSource.choices if value in CLIENT_SOURCES],
        default=RiskSource.OBSERVATION,
    )

    class Meta:
        model = RiskFlag
        fields = ["id", "person", "household", "address", "type", "source", "note", "review_on", "added_at"]
        read_only_fields = ["id", "address", "added_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["person"].queryset = Person.objects.visible_to(request.user)
            self.fields["household"].queryset = Household.objects.visible_to(request.user)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["source"] = instance.source  # system-set sources are shown as they are
        return data

    def validate(self, attrs):
        if not (attrs.get("person") or attrs.get("household")):
            raise serializers.ValidationError({"household": _("Flag a person or a household.")})
        return attrs


class VisitSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    class Meta:
        model = HomeVisit
        fields = [
            "id",
            "referral",
            "address",
            "planned_start",
            "expected_minutes",
            "escort_needed",
            "status",
            "started_at",
            "expected_end_at",
            "checked_out_at",
            "allowed_actions",
        ]
        read_only_fields = fields


class CheckInSerializer(serializers.Serializer):
    extend_minutes = serializers.IntegerField(min_value=0, max_value=240, default=0)


class CheckOutSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12, required=False, allow_blank=True, default="", write_only=True)


class EscortSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    class Meta:
        model = EscortRequest
        fields = [
            "id",
            "station",
            "needed_from",
            "needed_until",
            "respond_by",
            "status",
            "decline_reason",
            "allowed_actions",
        ]
        read_only_fields = fields


class EscortAnswerSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AlertSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    resolution = serializers.ChoiceField(choices=SafetyAlert.Resolution.choices, allow_blank=True, read_only=True)

    class Meta:
        model = SafetyAlert
        fields = [
            "id",
            "kind",
            "level",
            "visit",
            "raised_at",
            "acknowledged_at",
            "resolved_at",
            "resolution",
            "allowed_actions",
        ]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=SafetyAlert.Resolution.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
