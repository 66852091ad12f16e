"""factory_boy factories, one per model that tests build."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from finsam.models import BoardSeat, Federation, Member, MemberKind, Membership, Role

PASSWORD = "korrekt-häst-batteri-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Användare {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class FederationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Federation

    name = factory.Sequence(lambda n: f"Samordningsförbundet Test {n}")
    slug = factory.Sequence(lambda n: f"test-{n}")
    equity_cap_percent = Decimal("20")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    federation = factory.SubFactory(FederationFactory)
    key = factory.Sequence(lambda n: f"m{n}")
    name = factory.Sequence(lambda n: f"Medlem {n}")
    kind = MemberKind.MUNICIPALITY


class BoardSeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardSeat

    member = factory.SubFactory(MemberFactory)
    person = factory.Sequence(lambda n: f"Person {n}")
    role = "ledamot"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    federation = factory.SubFactory(FederationFactory)
    role = Role.DIRECTOR


def complete_federation(**kwargs) -> Federation:
    """A förbund with the four parties and a ledamot and ersättare per member."""
    federation = FederationFactory(**kwargs)
    members = [
        MemberFactory(
            federation=federation,
            key="fk",
            name="Försäkringskassan",
            kind=MemberKind.SOCIAL_INSURANCE,
            position=1,
        ),
        MemberFactory(
            federation=federation,
            key="af",
            name="Arbetsförmedlingen",
            kind=MemberKind.EMPLOYMENT_SERVICE,
            position=2,
        ),
        MemberFactory(
            federation=federation,
            key="region",
            name="Region Test",
            kind=MemberKind.REGION,
            position=3,
        ),
        MemberFactory(
            federation=federation,
            key="kommun-a",
            name="A kommun",
            kind=MemberKind.MUNICIPALITY,
            population=30000,
            position=4,
        ),
        MemberFactory(
            federation=federation,
            key="kommun-b",
            name="B kommun",
            kind=MemberKind.MUNICIPALITY,
            population=10000,
            position=5,
        ),
    ]
    for member in members:
        BoardSeatFactory(member=member, role="ledamot")
        BoardSeatFactory(member=member, role="ersattare")
    return federation


def log_in_verified(client, user):
    """force_login, with the second factor given: the user gets an app (a TOTP device)
    and the session carries it, as after the code step (finsam/twofactor)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or (
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
