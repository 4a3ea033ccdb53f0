from django.urls import path

from safety import views

app_name = "safety"
urlpatterns = [
    path("events/", views.events, name="events"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/sync/", views.event_sync, name="event_sync"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/review/", views.event_review, name="event_review"),
    path("follow-ups/<int:pk>/", views.follow_up_update, name="follow_up"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("visits/", views.visits, name="visits"),
    path("visits/plan/<int:referral_pk>/", views.visit_plan, name="visit_plan"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/assessment/", views.visit_assessment, name="visit_assessment"),
    path("visits/<int:pk>/assessment/override/", views.assessment_override, name="visit_assessment_override"),
    path("visits/<int:pk>/route-notes/", views.route_note_add, name="route_note_add"),
    path("visits/<int:pk>/sync/", views.visit_sync, name="visit_sync"),
    path("visits/<int:pk>/<slug:action>/", views.visit_act, name="visit_act"),
    path("escort-fallbacks/", views.fallbacks, name="fallbacks"),
    path("escort-fallbacks/<int:pk>/assign/", views.fallback_assign, name="fallback_assign"),
    path("escort-fallbacks/<int:pk>/postpone/", views.fallback_postpone, name="fallback_postpone"),
    path("escorts/", views.escorts, name="escorts"),
    path("escorts/<int:pk>/answer/", views.escort_answer, name="escort_answer"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/<slug:action>/", views.alert_act, name="alert_act"),
    path("flags/referral/<int:referral_pk>/", views.flag_for_referral, name="flag_referral"),
    path("flags/<int:pk>/remove/", views.flag_remove, name="flag_remove"),
    path("duress-code/", views.duress_code, name="duress_code"),
]
