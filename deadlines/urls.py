from django.urls import path

from deadlines import views

urlpatterns = [
    path("", views.closure_list, name="closure_list"),
    path("add/", views.closure_add, name="closure_add"),
    path("<str:day>/remove/", views.closure_remove, name="closure_remove"),
    path("clocks/<int:clock_pk>/retry/", views.clock_retry, name="clock_retry"),
    # Issue 15: portal outages and their relief (HFS staff).
    path("outages/", views.outage_list, name="outage_list"),
    path("outages/declare/", views.outage_declare, name="outage_declare"),
    path("outages/<int:pk>/", views.outage_detail, name="outage_detail"),
    path("outages/<int:pk>/correct/", views.outage_correct, name="outage_correct"),
    path("outages/<int:pk>/withdraw/", views.outage_withdraw, name="outage_withdraw"),
    path("outages/<int:pk>/apply/", views.outage_apply, name="outage_apply"),
]
