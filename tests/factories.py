"""factory-boy factories for the people and reference data of the tests."""

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group

from portal.access import Role
from portal.models import MCO, User

TEST_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
TEST_PASSWORD = "correct-horse-battery-staple-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            self.groups.add(Group.objects.get(name=Role(role).group_name))

    @factory.post_generation
    def totp(self, create, extracted, **kwargs):
        if extracted:
            TOTP.activate(self, TEST_TOTP_SECRET)


def mco(slug):
    return MCO.objects.get(slug=slug)


def provider_user(**kw):
    return UserFactory(roles=[Role.PROVIDER], **kw)


def mco_staff(mco_slug="molina", totp=True, **kw):
    return UserFactory(roles=[Role.MCO], mco=mco(mco_slug), totp=totp, **kw)


def hfs_staff(totp=True, **kw):
    return UserFactory(roles=[Role.HFS], totp=totp, **kw)


def registration_admin(totp=True, **kw):
    return UserFactory(roles=[Role.REGISTRATION_ADMIN], totp=totp, **kw)
