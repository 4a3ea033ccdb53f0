app_name = "patrols"
urlpatterns = []
