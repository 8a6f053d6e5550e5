from django.urls import path

from registration.views import admin, provider

urlpatterns = [
    path("new/", provider.new_request, name="registration_new"),
    path("template.xlsx", provider.download_template, name="registration_template"),
    path("<int:pk>/", provider.request_detail, name="registration_detail"),
    path("queue/", admin.queue, name="registration_queue"),
    path("queue/<int:pk>/", admin.review, name="registration_review"),
    path("queue/<int:pk>/approve/", admin.approve, name="registration_approve"),
    path("queue/<int:pk>/deny/", admin.deny, name="registration_deny"),
    path("providers/<int:pk>/", admin.provider_detail, name="registration_provider"),
    path("memberships/<int:pk>/end/", admin.end_membership, name="registration_end_membership"),
]
