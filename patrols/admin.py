from django.contrib import admin

from patrols.models import (
    Beat,
    ContactGroup,
    EvaluationItem,
    IndicatorThreshold,
    KeyLocation,
    PersonOfConcern,
    VisitCadence,
    WatchTeam,
)


@admin.register(PersonOfConcern)
class PersonOfConcernAdmin(admin.ModelAdmin):
    list_display = ["name", "station", "beat", "risk_level", "next_due_on", "active"]
    list_filter = ["risk_level", "active"]
    search_fields = ["name"]
    exclude = ["household", "person"]


admin.site.register([Beat, KeyLocation, VisitCadence, IndicatorThreshold, EvaluationItem, WatchTeam, ContactGroup])
