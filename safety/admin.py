"""Administrators name the agencies' safety contacts here; safety records are read, never edited or
deleted: every change goes through the pages or the API so the rules, alerts and timers apply, and
opening a record or a list here is written to the access log."""

from django.contrib import admin

from accounts.admin_tools import HistoryAdmin, HistoryInline
from safety.models import (
    EscortRequest,
    FollowUpItem,
    HazardAttachment,
    HazardEvent,
    HomeVisit,
    RiskFlag,
    SafetyAlert,
    SafetyContact,
)


@admin.register(SafetyContact)
class SafetyContactAdmin(admin.ModelAdmin):
    list_display = ["agency", "user"]
    autocomplete_fields = ["agency", "user"]


@admin.register(RiskFlag)
class RiskFlagAdmin(HistoryAdmin):
    list_display = ["type", "source", "person", "household", "address", "review_on", "added_at"]
    list_filter = ["type", "source"]
    raw_id_fields = ["person", "household"]


class FollowUpInline(HistoryInline):
    model = FollowUpItem
    fields = ["kind", "owner", "due_on", "status", "note", "escalated_at"]
    readonly_fields = fields


class AttachmentInline(HistoryInline):
    model = HazardAttachment
    fields = ["name", "size"]
    readonly_fields = fields


@admin.register(HazardEvent)
class HazardEventAdmin(HistoryAdmin):
    list_display = ["reference", "occurred_at", "team", "injury", "is_major"]
    list_filter = ["is_major", "injury"]
    search_fields = ["reference"]
    exclude = ["narrative"]
    inlines = [FollowUpInline, AttachmentInline]


@admin.register(FollowUpItem)
class FollowUpItemAdmin(HistoryAdmin):
    list_display = ["event", "kind", "owner", "due_on", "status"]
    list_filter = ["status", "kind"]


class AlertInline(HistoryInline):
    model = SafetyAlert
    fk_name = "visit"
    fields = ["kind", "level", "raised_at", "acknowledged_by", "acknowledged_at", "resolved_at", "resolution"]
    readonly_fields = fields


class EscortInline(HistoryInline):
    model = EscortRequest
    fields = ["station", "needed_from", "needed_until", "status", "responded_by", "decline_reason"]
    readonly_fields = fields


@admin.register(HomeVisit)
class HomeVisitAdmin(HistoryAdmin):
    list_display = ["referral", "planned_start", "status", "alert_level"]
    list_filter = ["status"]
    inlines = [EscortInline, AlertInline]


@admin.register(EscortRequest)
class EscortRequestAdmin(HistoryAdmin):
    list_display = ["station", "needed_from", "respond_by", "status"]
    list_filter = ["status"]


@admin.register(SafetyAlert)
class SafetyAlertAdmin(HistoryAdmin):
    list_display = ["kind", "level", "raised_at", "acknowledged_at", "resolved_at", "resolution"]
    list_filter = ["kind", "resolution"]
