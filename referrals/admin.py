from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from referrals.models import (
    CaseNote,
    Household,
    Referral,
    ReferralEscalation,
    ReferralEvent,
    SLAPolicy,
    StationTeamMatch,
)


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["level", "category", "acknowledge_within", "unit"]
    list_filter = ["level", "unit"]


@admin.register(StationTeamMatch)
class StationTeamMatchAdmin(admin.ModelAdmin):
    list_display = ["station", "team", "starts_on", "ends_on", "note"]
    list_filter = ["team"]
    autocomplete_fields = ["station", "team"]
    search_fields = ["station__name", "team__name"]


class EventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor", "from_status", "to_status", "note", "shared"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(GuardedModelAdmin):
    """Read-only: every change goes through the pages or the API so rules and events apply."""

    list_display = [
        "reference",
        "status",
        "level",
        "category",
        "referring_station",
        "team",
        "assigned_worker",
        "filed_at",
    ]
    list_filter = ["status", "level", "category", "district"]
    search_fields = ["reference"]
    inlines = [EventInline]
    exclude = ["narrative"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "narrative"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["id", "label", "district", "created_at"]
    search_fields = ["label"]


@admin.register(ReferralEscalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["referral", "cycle", "level", "due_at", "fired_at", "acknowledged_by"]
    readonly_fields = ["referral", "cycle", "level", "due_at", "fired_at", "acknowledged_by", "acknowledged_at"]


@admin.register(CaseNote)
class CaseNoteAdmin(admin.ModelAdmin):
    list_display = ["referral", "author", "visibility", "created_at"]
    readonly_fields = ["referral", "author", "visibility", "text", "created_at"]
