from __future__ import annotations

import factory

from crm.accounts.models import Branch, User
from crm.accounts.roles import Role
from crm.accounts.services import _sync_role_group

TEST_PASSWORD = "Test-pass-123"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"b{n}")
    name = factory.Sequence(lambda n: f"Филиал {n}")
    city = "Санкт-Петербург"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Иван"
    last_name = factory.Sequence(lambda n: f"Петров{n}")
    role = Role.MANAGER
    branch = factory.SubFactory(BranchFactory)
    language = "en"

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])
            _sync_role_group(self)
