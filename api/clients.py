"""Making and ending API clients and their tokens (issue 13). Who may: HFS portal staff for
an MCO's system, a registration admin for a provider organisation's or billing agent's
(``portal.permissions.may_manage_api_client``). Every change is on the audit log."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from api.models import ApiClient, ApiToken, ClientKind, Scope, WebhookEndpoint, hash_secret
from portal import audit, permissions
from portal.access import Role, forget_roles

API_CLIENT = "api_client"
#: The longest a token may live; the default when none is given.
MAX_TOKEN_DAYS = 366
DEFAULT_TOKEN_DAYS = 90


def _service_email(client_pk: int) -> str:
    # ".invalid" is reserved (RFC 2606): no mail is ever delivered there, so no password
    # reset can reach a service account.
    return f"api-client-{client_pk}@clients.invalid"


def _require_manager(by, client):
    permissions.require(permissions.may_manage_api_client, by, client,
                        action="manage this API client")


@transaction.atomic
def create_client(*, by, kind, name, contact_email, mco=None, providers=(),
                  allowed_ip_ranges="") -> ApiClient:
    """A client and its service account. ``providers``: for a provider client, the
    providers or facilities its system acts for (at least one)."""
    from portal.models import User

    draft = ApiClient(kind=kind, name=name.strip(), contact_email=contact_email, mco=mco,
                      allowed_ip_ranges=allowed_ip_ranges.strip(), created_by=by)
    _require_manager(by, draft)
    draft.clean()
    if kind == ClientKind.PROVIDER and not providers:
        raise ValidationError({"providers": "Choose at least one provider or facility the "
                                            "system files for."})
    user = User.objects.create_user(email=f"api-client-pending-{timezone.now().timestamp()}"
                                          "@clients.invalid",
                                    first_name=name[:150], mco=mco)
    draft.user = user
    draft.save()
    user.email = _service_email(draft.pk)
    user.save(update_fields=["email"])
    role = Role.MCO if kind == ClientKind.MCO else Role.PROVIDER
    user.groups.add(Group.objects.get(name=role.group_name))
    forget_roles(user)
    if kind == ClientKind.PROVIDER:
        set_providers(draft, providers, by=by)
    audit.write(user=by, action="create", object_type=API_CLIENT, object_id=draft.pk,
                detail=f"{draft.get_kind_display()}: {draft.name}")
    return draft


@transaction.atomic
def set_providers(client, providers, *, by):
    """The providers a provider client acts for: memberships of its service account, as a
    designated representative (R-REG-1), approved by the admin who chose them."""
    from registration.models import ProviderMembership, Relationship

    _require_manager(by, client)
    if client.kind != ClientKind.PROVIDER:
        raise ValidationError("Only a provider client acts for providers.")
    wanted = {p.pk for p in providers}
    now = timezone.now()
    current = ProviderMembership.objects.active().filter(user=client.user)
    for membership in current:
        if membership.provider_id not in wanted:
            membership.ended_at, membership.ended_by = now, by
            membership.end_reason = "API client's providers changed"
            membership.save(update_fields=["ended_at", "ended_by", "end_reason"])
    have = set(current.values_list("provider_id", flat=True))
    for provider in providers:
        if provider.pk not in have:
            ProviderMembership.objects.create(
                user=client.user, provider=provider, relationship=Relationship.REPRESENTATIVE,
                approved_at=now, approved_by=by)
    client.user.__dict__.pop("_portal_provider_ids", None)
    audit.write(user=by, action="change", object_type=API_CLIENT, object_id=client.pk,
                detail=f"acts for {len(wanted)} provider(s)")


@transaction.atomic
def issue_token(client, *, by, name, scope, expires_at=None) -> tuple[ApiToken, str]:
    """A new token; returns it and its secret, which is never shown again."""
    _require_manager(by, client)
    now = timezone.now()
    if not client.is_active:
        raise ValidationError("This client is disabled; it cannot get new tokens.")
    if scope not in Scope.values:
        raise ValidationError({"scope": "Choose read or act."})
    expires_at = expires_at or now + datetime.timedelta(days=DEFAULT_TOKEN_DAYS)
    if expires_at <= now:
        raise ValidationError({"expires_at": "Choose an expiry date in the future."})
    if expires_at > now + datetime.timedelta(days=MAX_TOKEN_DAYS):
        raise ValidationError({"expires_at": f"A token may live at most {MAX_TOKEN_DAYS} "
                                             "days; choose an earlier expiry date."})
    key_id, secret = ApiToken.new_secret()
    token = ApiToken.objects.create(client=client, name=name.strip(), scope=scope,
                                    key_id=key_id, secret_hash=hash_secret(secret),
                                    created_by=by, expires_at=expires_at)
    audit.write(user=by, action="token_issued", object_type=API_CLIENT, object_id=client.pk,
                detail=f"token {token.pk} “{token.name}”, {scope}, expires "
                       f"{expires_at:%Y-%m-%d}")
    return token, secret


@transaction.atomic
def revoke_token(token, *, by) -> ApiToken:
    """Revoked at once: the next request with it is refused."""
    _require_manager(by, token.client)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = timezone.now(), by
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit.write(user=by, action="token_revoked", object_type=API_CLIENT,
                    object_id=token.client_id, detail=f"token {token.pk} “{token.name}”")
    return token


@transaction.atomic
def disable_client(client, *, by) -> ApiClient:
    """Every token stops working, webhooks stop, the service account is deactivated."""
    _require_manager(by, client)
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.disabled_at is None:
        now = timezone.now()
        client.disabled_at, client.disabled_by = now, by
        client.save(update_fields=["disabled_at", "disabled_by"])
        client.user.is_active = False
        client.user.save(update_fields=["is_active"])
        WebhookEndpoint.objects.filter(client=client, disabled_at__isnull=True).update(
            disabled_at=now)
        audit.write(user=by, action="disable", object_type=API_CLIENT, object_id=client.pk,
                    detail=client.name)
    return client


def clients_visible_to(user):
    """The clients a person manages: MCO clients for HFS staff, provider clients for
    registration admins."""
    kinds = [kind for kind in ClientKind
             if permissions.may_manage_api_client(user, ApiClient(kind=kind))]
    return ApiClient.objects.filter(kind__in=kinds).select_related("mco")
