from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("charts/<slug:name>.svg", views.chart, name="chart"),
]
