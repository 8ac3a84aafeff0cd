import factory

from omni.models import StaffRole, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@omni.example")
    first_name = factory.Faker("first_name", locale="it_IT")
    last_name = factory.Faker("last_name", locale="it_IT")
    role = StaffRole.ASSOCIATE
    password = factory.django.Password("omni-test-pass")

    @factory.post_generation
    def locations(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            from stores.models import StaffMembership

            for location in extracted:
                StaffMembership.objects.get_or_create(user=self, location=location)
