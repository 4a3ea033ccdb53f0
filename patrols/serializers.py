from rest_framework import serializers

from accounts.models import Organization
from patrols import policy
from patrols.models import Beat, CommunityActivity, KeyLocation, Outcome, PatrolVisit, PersonOfConcern, Topic


class AllowedActionsMixin(serializers.Serializer):
    """What the caller may do with the record, from patrols/policy.py (the same table the services obey)."""

    allowed_actions = serializers.SerializerMethodField()

    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return sorted(policy.allowed_actions(request.user, obj)) if request else []


class BeatSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    class Meta:
        model = Beat
        fields = ["id", "station", "code", "officer", "weekly_visit_hours", "allowed_actions"]
        read_only_fields = fields


class PersonOfConcernSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    class Meta:
        model = PersonOfConcern
        fields = [
            "id",
            "station",
            "beat",
            "name",
            "address",
            "risk_level",
            "last_visited_on",
            "next_due_on",
            "active",
            "allowed_actions",
        ]
        read_only_fields = fields


class PatrolVisitSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=PersonOfConcern.objects.none())  # per request, below
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    notified_station = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=Organization.Kind.STATION), required=False, allow_null=True
    )

    class Meta:
        model = PatrolVisit
        fields = [
            "id",
            "reference",
            "person",
            "visited_at",
            "outcome",
            "side_visit_note",
            "new_address",
            "notified_station",
            "children_present",
            "child_care_checked",
            "child_care_note",
            "vulnerable_family",
            "note",
        ]
        read_only_fields = ["id", "reference"]
        extra_kwargs = {"visited_at": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        # A person the caller cannot see is, to the caller, a person that does not exist.
        self.fields["person"].queryset = (
            PersonOfConcern.objects.visible_to(request.user) if request else PersonOfConcern.objects.none()
        )


class KeyLocationSerializer(AllowedActionsMixin, serializers.ModelSerializer):
    class Meta:
        model = KeyLocation
        fields = [
            "id",
            "station",
            "type",
            "name",
            "address",
            "status",
            "suspected_kind",
            "last_checked_on",
            "allowed_actions",
        ]
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    topics = serializers.ListField(
        child=serializers.ChoiceField(choices=Topic.choices), required=False, max_length=len(Topic.choices)
    )

    class Meta:
        model = CommunityActivity
        fields = ["id", "station", "kind", "held_on", "place", "attendees", "topics"]
        read_only_fields = ["id", "station"]
