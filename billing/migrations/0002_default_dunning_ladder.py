"""The default dunning ladder: +1 a polite e-mail, +3 an SMS, +7 an e-mail with the invoice,
+14 a call task for the manager, +30 stop deliveries. Created only when no ladder exists yet;
accountants edit it on the "Dunning ladder" page."""

from django.db import migrations

LADDER = [
    {
        "days_after_due": 1,
        "action": "email",
        "subject": "{organisation}: {invoice}",
        "text_ru": (
            "Здравствуйте, {client}!\n\nНапоминаем, что срок оплаты счёта {invoice} на сумму "
            "{amount} истёк {due_date}. Если вы уже оплатили счёт, пожалуйста, не обращайте "
            "внимания на это письмо.\n\nС уважением,\n{organisation}"
        ),
        "text_uk": (
            "Добрий день, {client}!\n\nНагадуємо, що термін оплати рахунку {invoice} на суму "
            "{amount} минув {due_date}. Якщо ви вже сплатили рахунок, будь ласка, не зважайте "
            "на цей лист.\n\nЗ повагою,\n{organisation}"
        ),
        "text_en": (
            "Dear {client},\n\nThis is a friendly reminder that invoice {invoice} for {amount} "
            "was due on {due_date}. If you have already paid it, please ignore this message."
            "\n\nKind regards,\n{organisation}"
        ),
    },
    {
        "days_after_due": 3,
        "action": "sms",
        "subject": "",
        "text_ru": "{organisation}: счёт {invoice} на {amount} просрочен на {days} дн. "
        "Просим оплатить.",
        "text_uk": "{organisation}: рахунок {invoice} на {amount} прострочено на {days} дн. "
        "Просимо сплатити.",
        "text_en": "{organisation}: invoice {invoice} for {amount} is {days} days overdue. "
        "Please pay it.",
    },
    {
        "days_after_due": 7,
        "action": "email_invoice",
        "subject": "{organisation}: {invoice}",
        "text_ru": (
            "Здравствуйте, {client}!\n\nСчёт {invoice} на сумму {amount} просрочен на {days} "
            "дн. (срок оплаты — {due_date}). Счёт приложен к письму. Просим оплатить его в "
            "ближайшее время.\n\nС уважением,\n{organisation}"
        ),
        "text_uk": (
            "Добрий день, {client}!\n\nРахунок {invoice} на суму {amount} прострочено на {days} "
            "дн. (термін оплати — {due_date}). Рахунок додано до листа. Просимо сплатити його "
            "найближчим часом.\n\nЗ повагою,\n{organisation}"
        ),
        "text_en": (
            "Dear {client},\n\nInvoice {invoice} for {amount} is {days} days overdue (it was "
            "due on {due_date}). The invoice is attached. Please pay it at your earliest "
            "convenience.\n\nKind regards,\n{organisation}"
        ),
    },
    {
        "days_after_due": 14,
        "action": "call_task",
        "subject": "",
        "text_ru": "Позвонить клиенту {client}: счёт {invoice} на {amount} просрочен на {days} дн.",
        "text_uk": "Зателефонувати клієнту {client}: рахунок {invoice} на {amount} прострочено "
        "на {days} дн.",
        "text_en": "Call {client}: invoice {invoice} for {amount} is {days} days overdue.",
    },
    {
        "days_after_due": 30,
        "action": "stop",
        "subject": "",
        "text_ru": "Поставки приостановлены: счёт {invoice} просрочен на {days} дн.",
        "text_uk": "Поставки призупинено: рахунок {invoice} прострочено на {days} дн.",
        "text_en": "Deliveries stopped: invoice {invoice} is {days} days overdue.",
    },
]


def create_ladder(apps, schema_editor):
    DunningStep = apps.get_model("billing", "DunningStep")
    if DunningStep.objects.exists():
        return
    DunningStep.objects.bulk_create(DunningStep(**step) for step in LADDER)


def remove_ladder(apps, schema_editor):
    DunningStep = apps.get_model("billing", "DunningStep")
    DunningEvent = apps.get_model("billing", "DunningEvent")
    used = DunningEvent.objects.values("step_id")
    for step in LADDER:
        DunningStep.objects.filter(
            days_after_due=step["days_after_due"], action=step["action"]
        ).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(create_ladder, remove_ladder)]
