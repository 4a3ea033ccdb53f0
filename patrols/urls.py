from django.urls import path

from patrols import views

app_name = "patrols"
urlpatterns = [
    path("", views.beat, name="beat"),
    path("beats/<int:pk>/hours/", views.beat_hours, name="beat_hours"),
    path("beat-hours/<int:pk>/decide/", views.beat_hours_decide, name="beat_hours_decide"),
    path("persons/<int:pk>/", views.person, name="person"),
    path("persons/<int:pk>/children/", views.add_child, name="add_child"),
    path("visits/<int:pk>/", views.visit, name="visit"),
    path("locations/", views.locations, name="locations"),
    path("locations/<int:pk>/", views.location, name="location"),
    path("missing/", views.missing, name="missing"),
    path("activities/", views.activities, name="activities"),
    path("reports/", views.reports, name="reports"),
    path("reports/open/", views.report_open, name="report_open"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/submit/", views.report_submit, name="report_submit"),
    path("evaluation/", views.evaluation, name="evaluation"),
]
