from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization, User
from referrals.models import (
    NARRATIVE_MAX,
    STATUS_CODES,
    CaseNote,
    Category,
    Consent,
    DeclineReason,
    FailureReason,
    Household,
    KnownRisk,
    Level,
    Outcome,
    PersonRole,
    Referral,
    ReferralEvent,
    ReferralGap,
    Sex,
)

POSSIBLE_MATCH = _("A possible match exists: the intake desk can link it.")


class PersonInSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PersonRole.choices)
    name = serializers.CharField(max_length=100)
    sex = serializers.ChoiceField(choices=Sex.choices, default=Sex.UNKNOWN)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    estimated_age = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=120)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="", write_only=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate_date_of_birth(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(_("The date of birth cannot be in the future."))
        return value


class ReferralCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    call_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    incident_at = serializers.DateTimeField()
    incident_place = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    narrative = serializers.CharField(max_length=NARRATIVE_MAX)
    consent = serializers.ChoiceField(choices=Consent.choices, default=Consent.GIVEN)
    consent_note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    known_risks = serializers.ListField(
        child=serializers.ChoiceField(choices=KnownRisk.choices), required=False, default=list, max_length=10
    )
    risk_note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    household = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text=_("An existing household you can see (from the suggestions)."),
    )
    request_link = serializers.BooleanField(
        default=False,
        help_text=_("The suggestions said a possible match exists outside your cases: ask the intake desk to link it."),
    )
    station = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=Organization.Kind.STATION),
        required=False,
        allow_null=True,
        help_text=_("Filing station; integration accounts must give it, officers file for their own station."),
    )
    persons = PersonInSerializer(many=True, min_length=1, max_length=12)

    def validate_incident_at(self, value):
        if value > timezone.now() + timedelta(minutes=5):
            raise serializers.ValidationError(_("The incident time cannot be in the future."))
        return value

    def validate(self, attrs):
        user = self.context["request"].user
        pk = attrs.get("household")
        if pk:
            # One the caller cannot see answers exactly like one that does not exist.
            household = Household.objects.visible_to(user).filter(pk=pk).first()
            if household is None:
                raise serializers.ValidationError({"household": _("This household cannot be linked.")})
            attrs["household"] = household
            attrs["request_link"] = False
        if user.role == User.Role.INTEGRATION and not attrs.get("station"):
            raise serializers.ValidationError({"station": _("Give the filing station.")})
        if user.is_officer:
            attrs.pop("station", None)
        if attrs.get("consent") in (Consent.REFUSED, Consent.NOT_POSSIBLE) and not attrs.get("consent_note"):
            raise serializers.ValidationError({"consent_note": _("Say why consent was refused or not possible.")})
        return attrs


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = ReferralEvent
        fields = ["kind", "from_status", "to_status", "actor", "note", "at"]


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()

    class Meta:
        model = CaseNote
        fields = ["id", "visibility", "text", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class ReferralListSerializer(serializers.ModelSerializer):
    team = serializers.StringRelatedField(allow_null=True)
    referring_station = serializers.StringRelatedField()
    assigned_worker = serializers.StringRelatedField(allow_null=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    status_code = serializers.ChoiceField(
        choices=sorted({code for code, _display in STATUS_CODES.values()}),
        read_only=True,
        help_text="The public sector's referral status code (等待中 waiting, 受案 accepted, 退回 returned, …).",
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "status",
            "status_code",
            "category",
            "level",
            "referring_station",
            "team",
            "assigned_worker",
            "filed_at",
            "updated_at",
            "ack_due_at",
            "outcome",
            "needs_reassignment",
        ]
        read_only_fields = fields


class PersonOutSerializer(serializers.Serializer):
    role = serializers.CharField()
    name = serializers.CharField(source="person.name")
    sex = serializers.CharField(source="person.sex")
    date_of_birth = serializers.DateField(source="person.date_of_birth", allow_null=True)
    estimated_age = serializers.IntegerField(source="person.estimated_age", allow_null=True)
    phone = serializers.CharField(source="person.phone")
    address = serializers.CharField(source="person.address")


class ReferralDetailSerializer(ReferralListSerializer):
    events = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    persons = PersonOutSerializer(source="person_links", many=True, read_only=True)
    outcome_next_step = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    decline_reason = serializers.ChoiceField(choices=DeclineReason.choices, allow_blank=True, read_only=True)
    linked_to = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    household = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta(ReferralListSerializer.Meta):
        fields = [
            *ReferralListSerializer.Meta.fields,
            "call_number",
            "incident_at",
            "incident_place",
            "narrative",
            "consent",
            "consent_note",
            "known_risks",
            "risk_note",
            "household",
            "linked_to",
            "origin",
            "origin_reference",
            "decline_reason",
            "returned_for",
            "failure_reason",
            "outcome_summary",
            "referred_to",
            "acknowledged_at",
            "accepted_at",
            "first_contact_at",
            "closed_at",
            "persons",
            "events",
            "notes",
            "outcome_next_step",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, obj):
        user = self.context["request"].user
        return EventSerializer(ReferralEvent.objects.visible_to(user).filter(referral=obj), many=True).data

    @extend_schema_field(NoteSerializer(many=True))
    def get_notes(self, obj):
        user = self.context["request"].user
        return NoteSerializer(CaseNote.objects.visible_to(user).filter(referral=obj), many=True).data

    @extend_schema_field(serializers.CharField())
    def get_outcome_next_step(self, obj):
        return str(obj.outcome_next_step)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj):
        from referrals.services import allowed_actions

        return sorted(allowed_actions(user=self.context["request"].user, referral=obj))


# --- actions --------------------------------------------------------------------------------
# Ids in an action's body resolve against what the action may use for *this* referral, so an id
# of anyone or anything else answers exactly like an id that does not exist.
class EmptySerializer(serializers.Serializer):
    pass


class FeedbackSerializer(serializers.Serializer):
    """Was the referral appropriate, and what was missing (coded); the referring station sees it."""

    appropriate = serializers.BooleanField()
    gaps = serializers.MultipleChoiceField(choices=ReferralGap.choices, required=False, default=list)


def feedback_of(data):
    if data.get("appropriate") is None:
        return None
    return {"appropriate": data["appropriate"], "gaps": sorted(data.get("gaps") or [])}


class AcceptSerializer(serializers.Serializer):
    worker = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    appropriate = serializers.BooleanField(required=False, allow_null=True, default=None)
    gaps = serializers.MultipleChoiceField(choices=ReferralGap.choices, required=False, default=list)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        referral = self.context.get("referral")
        if referral is not None and referral.team_id:
            self.fields["worker"].queryset = User.objects.filter(
                organization_id=referral.team_id, role=User.Role.SOCIAL_WORKER, is_active=True
            )


class DeclineSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    appropriate = serializers.BooleanField(required=False, allow_null=True, default=None)
    gaps = serializers.MultipleChoiceField(choices=ReferralGap.choices, required=False, default=list)


class TransferSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=Organization.Kind.TEAM, is_active=True)
    )
    note = serializers.CharField(max_length=2000, help_text=_("For social work only; the police see the new team."))


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class FirstContactSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    summary = serializers.CharField(max_length=2000)
    referred_to = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class NoteInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    visibility = serializers.ChoiceField(choices=CaseNote.Visibility.choices, default=CaseNote.Visibility.INTERNAL)


class PersonMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    date_of_birth = serializers.DateField(allow_null=True)
    household = serializers.IntegerField(source="household_id", allow_null=True)


class HouseholdMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    address = serializers.CharField()


class SuggestionsSerializer(serializers.Serializer):
    """Only records the caller may see; a match outside them is one flag and one sentence."""

    persons = PersonMatchSerializer(many=True)
    households = HouseholdMatchSerializer(many=True)
    referrals = ReferralListSerializer(many=True)
    possible_match = serializers.BooleanField(help_text=_("A record you cannot see matches: ask the intake desk."))
    message = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_message(self, found):
        return str(POSSIBLE_MATCH) if found["possible_match"] else ""


class SuggestionQuerySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)


class ReturnSerializer(serializers.Serializer):
    needed = serializers.CharField(max_length=1000, help_text=_("What the team needs; the referrer reads it."))


class ResubmitSerializer(serializers.Serializer):
    added = serializers.CharField(max_length=2000, help_text=_("Added to the narrative; the clock resumes."))


class ReReferSerializer(serializers.Serializer):
    agency = serializers.CharField(max_length=200)
    reason = serializers.CharField(max_length=1000)


class FailSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FailureReason.choices)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
