import factory

from rewards.models import Reward, RewardCategory


class RewardFactory(factory.django.DjangoModelFactory[Reward]):
    class Meta:
        model = Reward

    name_fi = factory.Sequence(lambda n: f"Palkinto {n}")
    name_en = factory.Sequence(lambda n: f"Reward {n}")
    category = RewardCategory.OTHER
    base_price = 50
    current_price = factory.SelfAttribute("base_price")
    stock = None
    needs_approval = False
    active = True
