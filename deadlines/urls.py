from django.urls import path

from deadlines import views

urlpatterns = [
    path("", views.closure_list, name="closure_list"),
    path("add/", views.closure_add, name="closure_add"),
    path("<str:day>/remove/", views.closure_remove, name="closure_remove"),
    path("clocks/<int:clock_pk>/retry/", views.clock_retry, name="clock_retry"),
]
