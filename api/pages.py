"""The pages where portal staff manage API clients (issue 13): HFS portal staff an MCO's
systems, a registration admin a provider organisation's or billing agent's.

The pages only present: ``api.clients`` makes and ends clients and tokens, refuses a wrong
actor (``portal.permissions.may_manage_api_client``) and writes the audit rows. Every
client is fetched through ``managed_client``: another kind's client is a 404.

A token's secret is shown once, in the answer to the POST that made it: never stored (only
its SHA-256 is), never put in the session, a message or a redirect address, and the page
is ``Cache-Control: no-store``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST

from api import clients
from api.forms import SCOPE_LABELS, ClientForm, TokenForm, kinds_managed_by
from api.models import ClientKind, WebhookDelivery
from portal import access
from portal.access import Role
from portal.audit import audited

manage_api_clients = access.for_roles(Role.HFS, Role.REGISTRATION_ADMIN)

#: Deliveries shown under each webhook endpoint, newest first.
RECENT_DELIVERIES = 10
#: How long a sent token form is remembered, so that sending it again makes no new token.
FORM_SENT_FOR = 24 * 60 * 60


def managed_client(request, pk):
    """The client if this person manages it; any other (another kind's) is a 404."""
    return get_object_or_404(
        clients.clients_visible_to(request.user).select_related(
            "user", "created_by", "disabled_by"),
        pk=pk,
    )


def _memberships():
    from registration.models import ProviderMembership

    return ProviderMembership.objects.active().select_related("provider").order_by(
        "provider__legal_name", "pk")


@manage_api_clients
def client_list(request):
    now = timezone.now()
    usable = Q(tokens__revoked_at__isnull=True, tokens__expires_at__gt=now)
    listed = (
        clients.clients_visible_to(request.user)
        .select_related("user")
        .annotate(active_tokens=Count("tokens", filter=usable),
                  last_used_at=Max("tokens__last_used_at"))
        .prefetch_related(Prefetch("user__provider_memberships", queryset=_memberships(),
                                   to_attr="active_memberships"))
        .order_by(F("disabled_at").asc(nulls_first=True), "name", "pk")
    )
    page = Paginator(listed, 25).get_page(request.GET.get("page"))
    return render(request, "api/clients/list.html", {
        "page": page, "kinds": set(kinds_managed_by(request.user)),
    })


def _form_data(post):
    """What the add form held, as the initial values of a fresh form (after "Find")."""
    data = {name: post.get(name, "") for name in (
        "kind", "name", "mco", "provider_search", "contact_email", "allowed_ip_ranges")}
    data["providers"] = post.getlist("providers")
    return data


def _add_page(request, form, status=200):
    return render(request, "api/clients/add.html", {"form": form}, status=status)


@manage_api_clients
def client_add(request):
    """The add form. Its "Find" button lists the providers matching the search, keeping
    everything typed (no error is shown, nothing is made, nothing is recorded)."""
    if request.method == "POST" and "find" in request.POST:
        return _add_page(request, ClientForm(user=request.user,
                                             initial=_form_data(request.POST)))
    return _create_client(request)


@audited(clients.API_CLIENT, id_kwarg=None, action="create")
def _create_client(request):
    form = ClientForm(request.POST or None, user=request.user)
    if request.method != "POST":
        return _add_page(request, form)
    if form.is_valid():
        data = form.cleaned_data
        is_mco = data["kind"] == ClientKind.MCO
        try:
            client = clients.create_client(
                by=request.user, kind=data["kind"], name=data["name"],
                contact_email=data["contact_email"],
                mco=data.get("mco") if is_mco else None,
                providers=[] if is_mco else list(data.get("providers") or ()),
                allowed_ip_ranges=data["allowed_ip_ranges"])
        except ValidationError as error:
            _add_errors(form, error, {"kind": "kind"})
        else:
            messages.success(request, f"{client.name} is added. Make a token for its "
                                      "system below.")
            return redirect("api_client_detail", client.pk)
    return _add_page(request, form, status=400)


def _add_errors(form, error, fields):
    """A service's refusal on the form: at its field when it names one the form has."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            field = fields.get(name, name)
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _detail_page(request, client, *, token_form=None, status=200):
    from registration.models import Provider

    providers = []
    if client.kind == ClientKind.PROVIDER:
        providers = Provider.objects.filter(
            memberships__user=client.user, memberships__ended_at__isnull=True
        ).distinct().order_by("legal_name", "pk")
    recent = WebhookDelivery.objects.select_related("event").order_by("-pk")
    webhooks = client.webhooks.prefetch_related(
        Prefetch("deliveries", queryset=recent[:RECENT_DELIVERIES], to_attr="recent"))
    return render(request, "api/clients/detail.html", {
        "client": client,
        "providers": providers,
        "tokens": client.tokens.select_related("created_by", "revoked_by"),
        "webhooks": webhooks,
        "token_form": token_form or TokenForm(kind=client.kind),
        "now": timezone.now(),
    }, status=status)


@manage_api_clients
@audited(clients.API_CLIENT)
def client_detail(request, pk):
    return _detail_page(request, managed_client(request, pk))


@manage_api_clients
@require_POST
@audited(clients.API_CLIENT)
def token_new(request, pk):
    """Makes the token and shows its secret in this answer, once."""
    client = managed_client(request, pk)
    form = TokenForm(request.POST, kind=client.kind)
    if form.is_valid():
        data = form.cleaned_data
        sent = f"api-token-form:{client.pk}:{data['once']}" if data["once"] else None
        if sent and not cache.add(sent, True, timeout=FORM_SENT_FOR):
            messages.info(request, "That form was sent already: its token was made then, "
                                   "and its secret is not shown again. If it was not "
                                   "copied, revoke the token and make another.")
            return redirect("api_client_detail", client.pk)
        try:
            token, secret = clients.issue_token(client, by=request.user, name=data["name"],
                                                scope=data["scope"],
                                                expires_at=form.expires_at)
        except ValidationError as error:
            if sent:
                cache.delete(sent)
            _add_errors(form, error, {"expires_at": "expires_on"})
        else:
            response = render(request, "api/clients/token_shown.html", {
                "client": client, "token": token, "secret": secret,
                "scope_label": SCOPE_LABELS[client.kind][token.scope]})
            patch_cache_control(response, no_store=True, no_cache=True, private=True,
                                max_age=0)
            return response
    return _detail_page(request, client, token_form=form, status=400)


@manage_api_clients
@audited(clients.API_CLIENT)
def token_revoke(request, pk, token_pk):
    """A confirmation, then the revocation (POST)."""
    client = managed_client(request, pk)
    token = get_object_or_404(client.tokens, pk=token_pk)
    if token.revoked_at is not None:
        messages.info(request, f"The token “{token.name}” is already revoked.")
        return redirect("api_client_detail", client.pk)
    if request.method == "POST":
        clients.revoke_token(token, by=request.user)
        messages.success(request, f"The token “{token.name}” is revoked: the next request "
                                  "made with it is refused.")
        return redirect("api_client_detail", client.pk)
    return render(request, "api/clients/revoke.html", {
        "client": client, "token": token,
        "scope_label": SCOPE_LABELS[client.kind][token.scope]})


@manage_api_clients
@audited(clients.API_CLIENT)
def client_disable(request, pk):
    """A confirmation, then disabling (POST): every token and webhook stops."""
    client = managed_client(request, pk)
    if not client.is_active:
        messages.info(request, f"{client.name} is already disabled.")
        return redirect("api_client_detail", client.pk)
    if request.method == "POST":
        clients.disable_client(client, by=request.user)
        messages.success(request, f"{client.name} is disabled: its tokens no longer work "
                                  "and its webhooks stop.")
        return redirect("api_client_detail", client.pk)
    return render(request, "api/clients/disable.html", {
        "client": client,
        "active_tokens": client.tokens.usable().count(),
        "webhooks": client.webhooks.filter(disabled_at__isnull=True).count(),
    })
