import factory

from ledger.models import AwardReason


class AwardReasonFactory(factory.django.DjangoModelFactory[AwardReason]):
    class Meta:
        model = AwardReason
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"reason-{n}")
    name_fi = factory.Sequence(lambda n: f"Syy {n}")
    name_en = factory.Sequence(lambda n: f"Reason {n}")
    suggested_min = 10
    suggested_max = 50


def make_thanks(*, giver, recipient, reason, message="Kiitos avusta!", **kwargs):
    """A thanks through the real service (notifications and all)."""
    from ledger.services import thanks_create

    return thanks_create(giver=giver, recipient=recipient, reason=reason, message=message, **kwargs)
