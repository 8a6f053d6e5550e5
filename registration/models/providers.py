"""Provider organisations (a provider or facility) and who may act for them."""

from django.conf import settings
from django.db import models


class Relationship(models.TextChoices):
    STAFF = "staff", "Provider staff"
    REPRESENTATIVE = "representative", "Designated representative (e.g. a billing agent)"


class Provider(models.Model):
    """A provider or facility, identified by Tax ID + service location address (R-FILE-7)."""

    legal_name = models.CharField("legal name", max_length=200)
    medicaid_id = models.CharField("Medicaid (IMPACT) provider ID", max_length=15, db_index=True)
    npi = models.CharField("NPI", max_length=10, db_index=True)
    tax_id = models.CharField("Tax ID", max_length=9)
    street = models.CharField("street", max_length=200)
    city = models.CharField("city", max_length=100)
    state = models.CharField("state", max_length=2)
    zip_code = models.CharField("ZIP code", max_length=10)
    address_key = models.CharField(max_length=300, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tax_id", "address_key"], name="provider_tax_id_location_unique"
            )
        ]

    def __str__(self):
        return f"{self.legal_name} ({self.city}, {self.state})"

    @property
    def address(self):
        return f"{self.street}, {self.city}, {self.state} {self.zip_code}"


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class ProviderMembership(models.Model):
    """A person approved to act for a provider (R-REG-1). Ending it ends the access."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="memberships")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    approved_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    request = models.ForeignKey(
        "registration.RegistrationRequest", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="memberships",
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    end_reason = models.CharField(max_length=500, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["provider__legal_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider"],
                condition=models.Q(ended_at__isnull=True),
                name="membership_one_active_per_user_provider",
            )
        ]

    def __str__(self):
        return f"{self.user} for {self.provider}"
