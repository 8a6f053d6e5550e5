"""People: the user (e-mail is the login) and staff invitations."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an e-mail address.

    Roles (SPEC §1) are Django groups, read through ``portal.access``; MCO staff also
    name the one MCO they work for.
    """

    username = None
    email = models.EmailField("e-mail address", unique=True)
    phone = models.CharField("phone", max_length=30, blank=True)
    mco = models.ForeignKey(
        "portal.MCO",
        verbose_name="MCO",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text="For MCO staff only: the one MCO this person works for.",
    )
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        permissions = [
            ("manage_people", "Can invite MCO and HFS staff and deactivate people"),
        ]

    #: What ``str(person)`` reads: all a page that names someone needs of their row.
    NAME_FIELDS = ("first_name", "last_name", "email")

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)


class Invitation(models.Model):
    """A record of a staff invitation: who invited whom, to which role, and when it was used."""

    email = models.EmailField("e-mail address")
    role = models.CharField(max_length=40)
    mco = models.ForeignKey("portal.MCO", null=True, blank=True, on_delete=models.PROTECT)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation of {self.email} as {self.role}"


class UserSession(models.Model):
    """Which sessions a person has open, so deactivation can end every one of them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Session of {self.user_id}"

    @classmethod
    def end_all_for(cls, user):
        from importlib import import_module

        store = import_module(settings.SESSION_ENGINE).SessionStore
        for key in cls.objects.filter(user=user).values_list("session_key", flat=True):
            store(session_key=key).delete()
        cls.objects.filter(user=user).delete()


def named_by(relation):
    """The ``only()`` paths that name the person of ``relation`` (``User.NAME_FIELDS``)."""
    return tuple(f"{relation}__{field}" for field in User.NAME_FIELDS)


def naming(queryset, *relations):
    """``queryset`` with the people of ``relations`` joined, reading of them only what
    names them (``User.NAME_FIELDS``): every field of the queryset's own rows, never a
    password hash or a login time for a page that shows who wrote or did something."""
    own = [f.name for f in queryset.model._meta.concrete_fields]
    named = [path for relation in relations for path in named_by(relation)]
    return queryset.select_related(*relations).only(*own, *named)
