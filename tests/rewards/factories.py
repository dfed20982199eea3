import factory

from rewards.models import Reward, RewardActivation, RewardCategory


class RewardFactory(factory.django.DjangoModelFactory[Reward]):
    class Meta:
        model = Reward
        skip_postgeneration_save = True

    name_fi = factory.Sequence(lambda n: f"Palkinto {n}")
    name_en = factory.Sequence(lambda n: f"Reward {n}")
    category = RewardCategory.OTHER
    base_price = 50
    current_price = factory.SelfAttribute("base_price")
    stock = None
    needs_approval = False
    active = True

    @factory.post_generation
    def activation(self, create: bool, extracted: object, **kwargs: object) -> None:
        # What reward_create writes: pricing reads which rewards were on the market when.
        if create:
            RewardActivation.objects.create(reward=self, active=self.active, at=self.created_at)
