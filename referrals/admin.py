"""Administrators configure SLA policies here; referrals and their history are read, never edited:
every change goes through the pages or the API so the rules, events and timers apply."""

from django.contrib import admin

from accounts.admin_tools import HistoryAdmin, HistoryInline
from referrals.models import (
    CaseNote,
    Household,
    LinkRequest,
    Referral,
    ReferralEscalation,
    ReferralEvent,
    ReferralFeedback,
    SLAPolicy,
    StationTeamMatch,
)


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["level", "category", "acknowledge_within", "unit"]
    list_filter = ["level", "unit"]


@admin.register(StationTeamMatch)
class StationTeamMatchAdmin(HistoryAdmin):
    """Matching changes on the Station–team matching page, which moves the open referrals with it."""

    list_display = ["station", "team", "starts_on", "ends_on", "note"]
    list_filter = ["team"]
    search_fields = ["station__name", "team__name"]


class EventInline(HistoryInline):
    model = ReferralEvent
    fields = ["at", "kind", "actor", "from_status", "to_status", "note", "shared"]
    readonly_fields = fields


@admin.register(Referral)
class ReferralAdmin(HistoryAdmin):
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


@admin.register(Household)
class HouseholdAdmin(HistoryAdmin):
    list_display = ["id", "label", "district", "created_at"]
    search_fields = ["label"]


@admin.register(ReferralEscalation)
class EscalationAdmin(HistoryAdmin):
    list_display = ["referral", "cycle", "level", "due_at", "fired_at", "acknowledged_by"]


@admin.register(CaseNote)
class CaseNoteAdmin(HistoryAdmin):
    list_display = ["referral", "author", "visibility", "created_at"]


@admin.register(LinkRequest)
class LinkRequestAdmin(HistoryAdmin):
    """Requests to link a referral to a household its filer could not see: decided on the case page."""

    list_display = ["referral", "household", "state", "requested_at", "decided_by", "decided_at"]
    list_filter = ["state"]


@admin.register(ReferralFeedback)
class ReferralFeedbackAdmin(HistoryAdmin):
    list_display = ["referral", "team", "station", "appropriate", "at"]
    list_filter = ["appropriate"]
