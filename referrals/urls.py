from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("file/", views.file_referral, name="file"),
    path("file/suggestions/", views.file_suggestions, name="file_suggestions"),
    path("mine/", views.my_referrals, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("queue/assign/", views.bulk_assign, name="bulk_assign"),
    path("intake/", views.intake, name="intake"),
    path("caseload/", views.caseload, name="caseload"),
    path("escalations/", views.escalations, name="escalations"),
    path("escalations/<int:pk>/acknowledge/", views.acknowledge_escalation, name="acknowledge_escalation"),
    path("search/", views.search, name="search"),
    path("households/<int:pk>/", views.household_timeline, name="household"),
    path("matching/", views.matching, name="matching"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
