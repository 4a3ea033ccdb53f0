from django.contrib import admin

from safety.models import EscortRequest, FollowUpItem, HazardEvent, HomeVisit, RiskFlag, SafetyAlert, SafetyContact


@admin.register(SafetyContact)
class SafetyContactAdmin(admin.ModelAdmin):
    list_display = ["agency", "user"]
    autocomplete_fields = ["agency", "user"]


@admin.register(RiskFlag)
class RiskFlagAdmin(admin.ModelAdmin):
    list_display = ["type", "source", "person", "household", "address", "review_on", "added_at"]
    list_filter = ["type", "source"]
    raw_id_fields = ["person", "household"]


@admin.register(HazardEvent)
class HazardEventAdmin(admin.ModelAdmin):
    list_display = ["reference", "occurred_at", "team", "injury", "is_major"]
    list_filter = ["is_major", "injury"]
    readonly_fields = [f.name for f in HazardEvent._meta.fields]


admin.site.register([FollowUpItem, HomeVisit, EscortRequest, SafetyAlert])
