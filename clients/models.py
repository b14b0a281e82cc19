"""Clients: one card per person or company, with phones, e-mails, contact persons, addresses with
coordinates, legal requisites, tags, money facts (balance, deposit, bonus) and saved list filters.

Other apps link to ``Client`` (leads, orders, routes, billing) and change its money facts only
through ``clients.services`` (``client_set_balance``)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from clients.validators import (
    validate_account,
    validate_bik,
    validate_inn,
    validate_kpp,
    validate_ogrn,
)


class ClientKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class ClientSource(models.TextChoices):
    WEBSITE = "website", _("Website")
    CALL = "call", _("Incoming call")
    REFERRAL = "referral", _("Recommendation")
    ADS = "ads", _("Advertising")
    EXHIBITION = "exhibition", _("Exhibition")
    COLD = "cold", _("Cold call")
    LEAD = "lead", _("Converted lead")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class ClientMood(models.TextChoices):
    NONE = "", _("Not set")
    HAPPY = "happy", "😊"
    NEUTRAL = "neutral", "😐"
    UNHAPPY = "unhappy", "🙁"
    ANGRY = "angry", "😡"


class ContractState(models.TextChoices):
    NONE = "none", _("No contract")
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50)
    color = models.CharField(_("colour"), max_length=7, default="#1f6feb")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="client_tag_name_unique_ci")]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class ClientGroup(models.Model):
    """A group of clients that share prices (a price list per group): "Wholesale", "Offices"."""

    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("client group")
        verbose_name_plural = _("client groups")
        constraints = [models.UniqueConstraint(Lower("name"), name="client_group_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    """A person or a company the business serves."""

    Kind = ClientKind
    Source = ClientSource
    Mood = ClientMood

    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.PROTECT,
        related_name="clients",
        verbose_name=_("branch"),
    )
    kind = models.CharField(
        _("type"), max_length=10, choices=ClientKind.choices, default=ClientKind.PERSON
    )
    name = models.CharField(_("name"), max_length=255)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clients",
        verbose_name=_("responsible manager"),
    )
    source = models.CharField(
        _("source"), max_length=20, choices=ClientSource.choices, blank=True, default=""
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="clients", verbose_name=_("tags"))
    group = models.ForeignKey(
        ClientGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clients",
        verbose_name=_("client group"),
    )
    notes = models.TextField(_("notes"), blank=True, max_length=5000)

    # Legal requisites (companies and sole traders)
    inn = models.CharField(_("INN"), max_length=12, blank=True, validators=[validate_inn])
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, validators=[validate_kpp])
    ogrn = models.CharField(_("OGRN"), max_length=15, blank=True, validators=[validate_ogrn])
    legal_address = models.CharField(_("legal address"), max_length=500, blank=True)
    bank_name = models.CharField(_("bank"), max_length=255, blank=True)
    bik = models.CharField(_("BIK"), max_length=9, blank=True, validators=[validate_bik])
    bank_account = models.CharField(
        _("settlement account"), max_length=20, blank=True, validators=[validate_account]
    )
    corr_account = models.CharField(
        _("correspondent account"), max_length=20, blank=True, validators=[validate_account]
    )

    # Money and loyalty: maintained by services only (billing calls client_set_balance)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    discount_percent = models.DecimalField(
        _("personal discount, %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    balance = models.DecimalField(
        _("balance"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("Positive: overpayment; negative: debt."),
    )
    deposit = models.DecimalField(
        _("deposit"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    bonus_count = models.PositiveIntegerField(_("bonus counter"), default=0)
    #: returnable containers (mats, bottles) at the client's sites; kept by the routes app's
    #: containers ledger through ``client_set_containers_held``
    containers_held = models.IntegerField(_("containers held"), default=0)

    # Facts the billing app owns and keeps here through ``clients.services.billing_state`` so
    # orders, routes and the tablet can obey them without importing billing.
    contract_state = models.CharField(
        _("contract"), max_length=10, choices=ContractState.choices, default=ContractState.NONE
    )
    contract_valid_until = models.DateField(_("contract valid until"), null=True, blank=True)
    #: a director let work go on without a valid contract until this day (logged by billing)
    contract_override_until = models.DateField(
        _("work allowed without a contract until"), null=True, blank=True
    )
    debt = models.DecimalField(
        _("debt"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("Outstanding on issued invoices."),
    )
    overdue_debt = models.DecimalField(
        _("overdue debt"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    stop_deliveries = models.BooleanField(_("stop deliveries"), default=False)
    stop_deliveries_reason = models.CharField(
        _("why deliveries are stopped"), max_length=300, blank=True
    )
    do_not_remind = models.BooleanField(_("do not send debt reminders"), default=False)
    promise_to_pay_on = models.DateField(_("promised to pay by"), null=True, blank=True)
    language = models.CharField(
        _("language for letters"), max_length=5, choices=settings.LANGUAGES, default="ru"
    )

    mood = models.CharField(
        _("mood"), max_length=10, choices=ClientMood.choices, blank=True, default=""
    )
    needs_attention = models.BooleanField(_("needs attention"), default=False)
    is_archived = models.BooleanField(_("archived"), default=False)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        permissions = [
            ("view_all_clients", _("Can see every client of the branch")),
            ("merge_clients", _("Can merge duplicate clients")),
            ("import_clients", _("Can import clients from Excel")),
            ("export_clients", _("Can export clients to Excel")),
            ("work_without_contract", _("Can allow work for a client without a valid contract")),
        ]
        indexes = [
            models.Index(fields=["branch", "is_archived", "name"], name="client_branch_name_idx"),
            models.Index(fields=["branch", "manager"], name="client_branch_manager_idx"),
            models.Index(fields=["inn"], name="client_inn_idx"),
            models.Index(fields=["branch", "balance"], name="client_branch_balance_idx"),
            models.Index(fields=["branch", "debt"], name="client_branch_debt_idx"),
            models.Index(fields=["branch", "last_order_at"], name="client_branch_lastorder_idx"),
            models.Index(fields=["branch", "created_at"], name="client_branch_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ClientKind.values), name="client_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=[*ClientSource.values, ""]), name="client_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(mood__in=ClientMood.values), name="client_mood_valid"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="client_discount_0_100",
            ),
            models.CheckConstraint(condition=Q(deposit__gte=0), name="client_deposit_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_company(self) -> bool:
        return self.kind == ClientKind.COMPANY

    @property
    def has_debt(self) -> bool:
        return self.balance < 0


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    WORK = "work", _("Work")
    HOME = "home", _("Home")
    OTHER = "other", _("Other")


class ClientPhone(models.Model):
    """A phone in E.164 (``+79111234567``) with its digits for search (``79111234567``)."""

    Kind = PhoneKind

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("phone"), max_length=20)
    digits = models.CharField(max_length=20, editable=False)
    kind = models.CharField(
        _("kind"), max_length=10, choices=PhoneKind.choices, default=PhoneKind.MOBILE
    )
    comment = models.CharField(_("comment"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        indexes = [models.Index(fields=["digits"], name="client_phone_digits_idx")]
        constraints = [
            models.UniqueConstraint(fields=["client", "number"], name="client_phone_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=PhoneKind.values), name="client_phone_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ClientEmail(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField(_("e-mail"), max_length=254)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        indexes = [models.Index(Lower("email"), name="client_email_lower_idx")]
        constraints = [
            models.UniqueConstraint("client", Lower("email"), name="client_email_unique_ci")
        ]

    def __str__(self) -> str:
        return self.email


class ContactPerson(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_digits = models.CharField(max_length=20, blank=True, editable=False)
    extra_phone = models.CharField(_("second phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    telegram = models.CharField(_("Telegram"), max_length=64, blank=True)
    whatsapp = models.CharField(_("WhatsApp"), max_length=32, blank=True)
    viber = models.CharField(_("Viber"), max_length=32, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        indexes = [models.Index(fields=["phone_digits"], name="client_contact_digits_idx")]

    def __str__(self) -> str:
        return self.name


class ClientAddress(models.Model):
    """A delivery or service address with coordinates and what the driver needs on site."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=500)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    receiver_name = models.CharField(_("receiver's name"), max_length=200, blank=True)
    receiver_phone = models.CharField(_("receiver's phone"), max_length=20, blank=True)
    entrance = models.CharField(_("entrance"), max_length=20, blank=True)
    floor = models.CharField(_("floor"), max_length=20, blank=True)
    apartment = models.CharField(_("apartment / office"), max_length=20, blank=True)
    access_notes = models.CharField(_("access notes"), max_length=500, blank=True)
    window_from = models.TimeField(_("delivery from"), null=True, blank=True)
    window_to = models.TimeField(_("delivery until"), null=True, blank=True)
    is_primary = models.BooleanField(_("main address"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-is_primary", "position", "id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        indexes = [models.Index(fields=["city"], name="client_address_city_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | (Q(latitude__gte=-90) & Q(latitude__lte=90)),
                name="client_address_lat_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True)
                | (Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="client_address_lon_range",
            ),
            models.CheckConstraint(
                condition=Q(window_from__isnull=True)
                | Q(window_to__isnull=True)
                | Q(window_from__lt=models.F("window_to")),
                name="client_address_window_order",
            ),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class SavedFilter(models.Model):
    """A user's named client-list query (the list page's querystring)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_filters"
    )
    name = models.CharField(_("name"), max_length=80)
    querystring = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="client_saved_filter_unique")
        ]

    def __str__(self) -> str:
        return self.name


def import_upload_to(instance: ImportBatch, filename: str) -> str:
    return f"client-imports/{instance.branch_id}/{filename}"


class ImportBatch(models.Model):
    """An uploaded Excel file on its way into the client base: mapping, dry run, job, report."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKED = "checked", _("Checked")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    branch = models.ForeignKey("accounts.Branch", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=import_upload_to, max_length=300)
    original_name = models.CharField(max_length=255)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row": 5, "errors": [...]}]
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL)
    report = models.FileField(upload_to=import_upload_to, max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("client import")
        verbose_name_plural = _("client imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["uploaded", "checked", "running", "done", "failed"]),
                name="client_import_status_valid",
            )
        ]

    def __str__(self) -> str:
        return self.original_name
