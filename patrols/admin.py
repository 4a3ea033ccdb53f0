"""Administrators set up beats, persons of concern, key locations and the tables (cadences, thresholds,
evaluation items) here, through the same services as the pages (policy, validation, derived dates).
Patrol history is read, never edited or deleted: visits, inspections, changes of beat hours, monthly
reports and their amendments, evaluations and missing-person reports change only through the pages
and services, and opening any of them here is in the access log."""

from django.contrib import admin

from accounts.admin_tools import HistoryAdmin, HistoryInline
from patrols import services
from patrols.models import (
    Beat,
    BeatHoursChange,
    CommunityActivity,
    ContactGroup,
    Evaluation,
    EvaluationItem,
    EvaluationScore,
    IndicatorThreshold,
    Inspection,
    KeyLocation,
    MissingPersonReport,
    MonthlyReport,
    PatrolVisit,
    PersonOfConcern,
    ReportAmendment,
    SearchReport,
    VisitCadence,
    WatchTeam,
)


class KeptRecordAdmin(HistoryAdmin):
    """Added and edited here through ``save_record`` (a service), never deleted: their history hangs on
    them (visits, inspections, hours). A person of concern who no longer needs visits is made inactive.
    Every opening is logged."""

    def has_add_permission(self, request, obj=None):
        return admin.ModelAdmin.has_add_permission(self, request)

    def has_change_permission(self, request, obj=None):
        return admin.ModelAdmin.has_change_permission(self, request, obj)

    def save_model(self, request, obj, form, change):
        self.save_record(actor=request.user, record=obj, changed=form.changed_data)

    def save_record(self, *, actor, record, changed):
        raise NotImplementedError


@admin.register(PersonOfConcern)
class PersonOfConcernAdmin(KeptRecordAdmin):
    list_display = ["name", "station", "beat", "risk_level", "next_due_on", "active"]
    list_filter = ["risk_level", "active"]
    search_fields = ["name"]
    exclude = ["household", "person"]
    readonly_fields = ["next_due_on", "last_visited_on"]

    def save_record(self, *, actor, record, changed):
        services.save_person_of_concern(actor=actor, person=record, changed=changed)


@admin.register(Beat)
class BeatAdmin(KeptRecordAdmin):
    list_display = ["code", "station", "officer", "weekly_visit_hours"]
    # Hours change on the beat page: a reduction waits for the station head's approval.
    readonly_fields = ["weekly_visit_hours"]

    def save_record(self, *, actor, record, changed):
        services.save_beat(actor=actor, beat=record)


@admin.register(KeyLocation)
class KeyLocationAdmin(KeptRecordAdmin):
    list_display = ["name", "station", "type", "status", "last_checked_on"]
    list_filter = ["type", "status"]
    search_fields = ["name"]
    # Inspections set the status and the last check.
    readonly_fields = ["status", "suspected_kind", "last_checked_on"]

    def save_record(self, *, actor, record, changed):
        services.save_key_location(actor=actor, location=record)


@admin.register(PatrolVisit)
class PatrolVisitAdmin(HistoryAdmin):
    list_display = ["reference", "station", "person", "officer", "visited_at", "outcome"]
    list_filter = ["outcome"]
    search_fields = ["reference"]


@admin.register(SearchReport)
class SearchReportAdmin(HistoryAdmin):
    list_display = ["visit", "precinct", "created_at"]


@admin.register(Inspection)
class InspectionAdmin(HistoryAdmin):
    list_display = ["location", "officer", "inspected_at", "kind"]


@admin.register(BeatHoursChange)
class BeatHoursChangeAdmin(HistoryAdmin):
    list_display = ["beat", "old_hours", "new_hours", "status", "requested_by", "decided_by", "created_at"]
    list_filter = ["status"]


class AmendmentInline(HistoryInline):
    model = ReportAmendment
    fields = ["made_at", "made_by", "reason", "figures"]
    readonly_fields = fields


@admin.register(MonthlyReport)
class MonthlyReportAdmin(HistoryAdmin):
    list_display = ["station", "month", "status", "due_on", "submitted_at"]
    list_filter = ["status"]
    inlines = [AmendmentInline]


class ScoreInline(HistoryInline):
    model = EvaluationScore
    fields = ["item", "score"]
    readonly_fields = fields


@admin.register(Evaluation)
class EvaluationAdmin(HistoryAdmin):
    list_display = ["unit", "period", "total", "beats", "false_figures"]
    list_filter = ["period", "false_figures"]
    inlines = [ScoreInline]


@admin.register(MissingPersonReport)
class MissingPersonReportAdmin(HistoryAdmin):
    list_display = ["reference", "station", "created_at", "high_sensitivity"]
    search_fields = ["reference"]


@admin.register(CommunityActivity)
class CommunityActivityAdmin(HistoryAdmin):
    list_display = ["kind", "station", "held_on", "attendees"]


admin.site.register([VisitCadence, IndicatorThreshold, EvaluationItem, WatchTeam, ContactGroup])
