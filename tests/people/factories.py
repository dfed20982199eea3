import factory

from people.models import EmploymentType, Role, Team, User

PASSWORD = "correct-horse-battery"


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.AGENT
    employment_type = EmploymentType.PERMANENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AgentFactory(UserFactory):
    role = Role.AGENT
    team = factory.SubFactory(TeamFactory)


class SupervisorFactory(UserFactory):
    role = Role.SUPERVISOR


class HRFactory(UserFactory):
    role = Role.HR
