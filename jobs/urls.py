from django.urls import path

from jobs import views

urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("<int:pk>/", views.job_status, name="job_status"),
    path("<int:pk>/status.json", views.job_status_json, name="job_status_json"),
    path("<int:pk>/download/", views.job_download, name="job_download"),
]
