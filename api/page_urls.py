"""``/api-clients/``: the pages where portal staff manage API clients (api.pages)."""

from django.urls import path

from api import pages

urlpatterns = [
    path("", pages.client_list, name="api_client_list"),
    path("add/", pages.client_add, name="api_client_add"),
    path("<int:pk>/", pages.client_detail, name="api_client_detail"),
    path("<int:pk>/tokens/", pages.token_new, name="api_token_new"),
    path("<int:pk>/tokens/<int:token_pk>/revoke/", pages.token_revoke,
         name="api_token_revoke"),
    path("<int:pk>/disable/", pages.client_disable, name="api_client_disable"),
]
