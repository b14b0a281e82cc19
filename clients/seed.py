"""Demo clients for ``manage.py seed_demo``: St Petersburg people and companies (and a few in
Moscow), deterministic from ``ctx.rng``, created in bulk so ``--clients 100000`` stays quick."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from clients.models import Client, ClientAddress, ClientEmail, ClientPhone, ContactPerson, Tag
from clients.validators import inn_with_checksum
from crm.core.phones import phone_digits
from crm.core.registry import register_seeder

FIRST = [
    "Александр",
    "Мария",
    "Дмитрий",
    "Анна",
    "Сергей",
    "Елена",
    "Андрей",
    "Ольга",
    "Игорь",
    "Наталья",
    "Михаил",
    "Татьяна",
    "Алексей",
    "Светлана",
    "Владимир",
    "Юлия",
]
LAST_M = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
]
PATRONYMIC_M = ["Александрович", "Сергеевич", "Игоревич", "Петрович", "Андреевич"]
PATRONYMIC_F = ["Александровна", "Сергеевна", "Игоревна", "Петровна", "Андреевна"]
FEMALE = {"Мария", "Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Светлана", "Юлия"}
COMPANY_FORMS = ["ООО", "АО", "ИП", "ООО"]
COMPANY_WORDS = [
    "Невский",
    "Балтика",
    "Петроград",
    "Северная Пальмира",
    "Аврора",
    "Ладога",
    "Кронверк",
    "Васильевский",
    "Охта",
    "Пулково",
    "Нева",
    "Гранит",
    "Фонтанка",
    "Мойка",
    "Адмирал",
]
COMPANY_KINDS = [
    "Клининг",
    "Логистик",
    "Сервис",
    "Трейд",
    "Строй",
    "Фуд",
    "Офис",
    "Маркет",
    "Отель",
    "Фитнес",
]
SPB_STREETS = [
    "Невский пр.",
    "ул. Садовая",
    "Лиговский пр.",
    "Московский пр.",
    "ул. Марата",
    "Каменноостровский пр.",
    "ул. Савушкина",
    "пр. Просвещения",
    "Гражданский пр.",
    "ул. Ленина",
    "Большой пр. В.О.",
    "ул. Звёздная",
    "пр. Энгельса",
    "ул. Кораблестроителей",
]
MSK_STREETS = ["ул. Тверская", "Ленинский пр.", "ул. Арбат", "пр. Мира", "ул. Складочная"]
ROLES = ["директор", "бухгалтер", "завхоз", "администратор", "офис-менеджер"]
TAGS = ["VIP", "опт", "сетевой", "самовывоз", "постоплата"]
SOURCES = [s for s in Client.Source.values if s != "import"]
MOODS = ["", "", "", "happy", "neutral", "unhappy"]
BATCH = 2000


def _person(rng: Any) -> str:
    first = rng.choice(FIRST)
    last = rng.choice(LAST_M)
    if first in FEMALE:
        return f"{last}а {first} {rng.choice(PATRONYMIC_F)}"
    return f"{last} {first} {rng.choice(PATRONYMIC_M)}"


@register_seeder("clients", order=20)
def seed_clients(ctx: Any) -> None:
    rng = ctx.rng
    count = int(getattr(ctx, "options", {}).get("clients") or 200)
    spb, msk = ctx.branches["spb"], ctx.branches["msk"]
    managers_spb = [ctx.users["manager"], ctx.users["manager2"]]
    manager_msk = ctx.users["manager_msk"]
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    used_phones: set[str] = set(ClientPhone.objects.values_list("number", flat=True))
    created: list[Client] = []
    for start in range(0, count, BATCH):
        rows = []
        for i in range(start, min(count, start + BATCH)):
            in_msk = i % 10 == 9
            company = rng.random() < 0.45
            if company:
                words = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
                name = f"{rng.choice(COMPANY_FORMS)} «{words}»"
            else:
                name = _person(rng)
            balance = Decimal(
                rng.choice([0, 0, 0, rng.randint(-50000, -500), rng.randint(100, 20000)])
            )
            client = Client(
                branch=msk if in_msk else spb,
                kind=Client.Kind.COMPANY if company else Client.Kind.PERSON,
                name=name,
                manager=manager_msk if in_msk else managers_spb[i % 2],
                source=rng.choice(SOURCES),
                inn=inn_with_checksum(f"78{rng.randint(1000000, 9999999)}") if company else "",
                kpp=f"78{rng.randint(1000000, 9999999)}01"[:9] if company else "",
                balance=balance,
                discount_percent=Decimal(rng.choice([0, 0, 0, 3, 5, 10])),
                bonus_count=rng.randint(0, 9),
                mood=rng.choice(MOODS),
                needs_attention=rng.random() < 0.05,
            )
            client._seed = {"company": company, "msk": in_msk}  # type: ignore[attr-defined]
            rows.append(client)
        Client.objects.bulk_create(rows)
        phones, emails, addresses, contacts, tag_links = [], [], [], [], []
        for n, client in enumerate(rows):
            extra = client._seed  # type: ignore[attr-defined]
            for position in range(1 if rng.random() < 0.8 else 2):
                while True:
                    number = f"+79{rng.randint(10, 99)}{rng.randint(1000000, 9999999)}"
                    if number not in used_phones:
                        used_phones.add(number)
                        break
                phones.append(
                    ClientPhone(
                        client=client, number=number, digits=phone_digits(number), position=position
                    )
                )
            if extra["company"] or rng.random() < 0.3:
                emails.append(ClientEmail(client=client, email=f"client{client.pk}@example.ru"))
            for position in range(2 if rng.random() < 0.2 else 1):
                if extra["msk"]:
                    lat, lon, city, street = (
                        55.65 + rng.random() * 0.2,
                        37.45 + rng.random() * 0.3,
                        "Москва",
                        rng.choice(MSK_STREETS),
                    )
                else:
                    lat, lon, city, street = (
                        59.85 + rng.random() * 0.2,
                        30.2 + rng.random() * 0.3,
                        "Санкт-Петербург",
                        rng.choice(SPB_STREETS),
                    )
                addresses.append(
                    ClientAddress(
                        client=client,
                        city=city,
                        address=f"{city}, {street}, д. {rng.randint(1, 180)}",
                        latitude=Decimal(f"{lat:.6f}"),
                        longitude=Decimal(f"{lon:.6f}"),
                        entrance=str(rng.randint(1, 6)) if rng.random() < 0.6 else "",
                        floor=str(rng.randint(1, 12)) if rng.random() < 0.6 else "",
                        receiver_name=_person(rng).split(" ")[1] if rng.random() < 0.5 else "",
                        is_primary=position == 0,
                        position=position,
                    )
                )
            if extra["company"]:
                for position in range(2 if rng.random() < 0.3 else 1):
                    number = f"+7921{rng.randint(1000000, 9999999)}"
                    contacts.append(
                        ContactPerson(
                            client=client,
                            name=_person(rng),
                            role=rng.choice(ROLES),
                            phone=number,
                            phone_digits=phone_digits(number),
                            position=position,
                        )
                    )
            if n % 4 == 0:
                tag_links.append(
                    Client.tags.through(client_id=client.pk, tag_id=tags[n % len(tags)].pk)
                )
        ClientPhone.objects.bulk_create(phones, batch_size=BATCH)
        ClientEmail.objects.bulk_create(emails, batch_size=BATCH)
        ClientAddress.objects.bulk_create(addresses, batch_size=BATCH)
        ContactPerson.objects.bulk_create(contacts, batch_size=BATCH)
        Client.tags.through.objects.bulk_create(tag_links, batch_size=BATCH)
        created.extend(rows[:50] if not created else [])
    ctx.clients = created
