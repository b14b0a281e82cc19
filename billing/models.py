"""Billing: our organisations (the legal entities that sell), contracts assembled from clause
templates, documents (invoices, acts, waybills, VAT invoices, commercial proposals) with their
lines, gapless numbering, payments and their allocation to invoices, the per-client ledger and the
dunning ladder.

Every amount is ``Decimal`` with two places. A client's balance on the card
(``clients.Client.balance``: positive = overpayment, negative = debt) is the sum of their
``LedgerEntry`` rows and is kept there by ``billing.services.ledger`` only. Facts that orders,
routes and the tablet must obey (a valid contract, "stop deliveries") are copied onto the client by
billing's services through the clients app's service functions."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.orders.models import MONEY, NOT_NEGATIVE, Unit, VatRate

POSITIVE = [MinValueValidator(Decimal("0.01"))]


# --- Our side -------------------------------------------------------------------------------------
class Organisation(models.Model):
    """A legal entity of the business that signs contracts and issues documents."""

    name = models.CharField(_("full name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=120)
    code = models.SlugField(_("code"), max_length=20, unique=True)
    branches = models.ManyToManyField(
        "accounts.Branch", blank=True, related_name="organisations", verbose_name=_("branches")
    )
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    ogrn = models.CharField(_("OGRN"), max_length=15, blank=True)
    legal_address = models.CharField(_("legal address"), max_length=500, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    bank_name = models.CharField(_("bank"), max_length=255, blank=True)
    bik = models.CharField(_("BIK"), max_length=9, blank=True)
    bank_account = models.CharField(_("settlement account"), max_length=20, blank=True)
    corr_account = models.CharField(_("correspondent account"), max_length=20, blank=True)
    director_name = models.CharField(_("director"), max_length=200, blank=True)
    accountant_name = models.CharField(_("chief accountant"), max_length=200, blank=True)
    vat_payer = models.BooleanField(_("VAT payer"), default=True)
    default_vat_rate = models.CharField(
        _("default VAT rate"), max_length=5, choices=VatRate.choices, default=VatRate.TWENTY
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    signature_image = models.ImageField(
        _("facsimile signature"), upload_to="billing/facsimile/", blank=True
    )
    stamp_image = models.ImageField(_("stamp"), upload_to="billing/facsimile/", blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name


class DocKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    ACT = "act", _("Act of work done")
    WAYBILL = "waybill", _("Waybill")
    VAT_INVOICE = "vat_invoice", _("VAT invoice")
    PROPOSAL = "proposal", _("Commercial proposal")
    CREDIT_NOTE = "credit_note", _("Credit note")
    CONTRACT = "contract", _("Contract")
    AGREEMENT = "agreement", _("Supplementary agreement")


#: Number prefixes per kind: СЧ-2026-000123
DOC_PREFIX = {
    DocKind.INVOICE: "СЧ",
    DocKind.ACT: "АКТ",
    DocKind.WAYBILL: "ТН",
    DocKind.VAT_INVOICE: "СФ",
    DocKind.PROPOSAL: "КП",
    DocKind.CREDIT_NOTE: "КН",
    DocKind.CONTRACT: "ДОГ",
    DocKind.AGREEMENT: "ДС",
}


class DocumentTemplate(models.Model):
    """An admin's own HTML (Django template language) for a document kind's PDF; when none is
    active the built-in ``templates/billing/pdf/<kind>.html`` is used."""

    kind = models.CharField(_("document"), max_length=12, choices=DocKind.choices, unique=True)
    html = models.TextField(_("HTML template"), max_length=200_000)
    is_active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")

    def __str__(self) -> str:
        return self.get_kind_display()


class DocumentSequence(models.Model):
    """The last number issued per kind, organisation and year; locked with SELECT … FOR UPDATE
    by ``billing.services.numbering`` so numbers are gapless under concurrency."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=DocKind.choices)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "year"], name="billing_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last_number}"


# --- Contracts ------------------------------------------------------------------------------------
class BillingPeriod(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    PER_ORDER = "per_order", _("Per order")


class ContractType(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    default_period = models.CharField(
        _("billing period"),
        max_length=10,
        choices=BillingPeriod.choices,
        default=BillingPeriod.MONTHLY,
    )
    default_payment_days = models.PositiveSmallIntegerField(_("payment term, days"), default=10)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("contract type")
        verbose_name_plural = _("contract types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClauseTemplate(models.Model):
    """A numbered clause with placeholders such as ``{client.name}`` or ``{contract.starts_on}``."""

    contract_type = models.ForeignKey(
        ContractType,
        on_delete=models.CASCADE,
        related_name="clauses",
        null=True,
        blank=True,
        verbose_name=_("contract type"),
        help_text=_("Empty: used in every contract type."),
    )
    number = models.CharField(_("number"), max_length=12)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=20_000)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("clause template")
        verbose_name_plural = _("clause templates")
        ordering = ["position", "number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    TERMINATED = "terminated", _("Terminated")


class Contract(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="contracts"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="contracts")
    contract_type = models.ForeignKey(
        ContractType, on_delete=models.PROTECT, related_name="contracts", null=True, blank=True
    )
    number = models.CharField(_("number"), max_length=40, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    starts_on = models.DateField(_("valid from"))
    ends_on = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    billing_period = models.CharField(
        _("billing period"),
        max_length=10,
        choices=BillingPeriod.choices,
        default=BillingPeriod.MONTHLY,
    )
    payment_days = models.PositiveSmallIntegerField(_("payment term, days"), default=10)
    credit_limit = models.DecimalField(
        _("credit limit"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    clauses = models.ManyToManyField(ClauseTemplate, blank=True, related_name="+")
    text = models.TextField(_("contract text"), blank=True, max_length=200_000)
    text_edited = models.BooleanField(_("text edited by hand"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["client", "status", "ends_on"])]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def is_valid_on(self, day) -> bool:
        return (
            self.status == ContractStatus.ACTIVE
            and self.starts_on <= day
            and (self.ends_on is None or day <= self.ends_on)
        )


class ContractTariff(models.Model):
    """A line billed every period: service, quantity per period, price."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="tariffs")
    product = models.ForeignKey(
        "orders.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("service"), max_length=255)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.SERVICE)
    quantity = models.DecimalField(
        _("quantity per period"), max_digits=12, decimal_places=3, validators=NOT_NEGATIVE
    )
    price = models.DecimalField(_("price"), **MONEY, validators=NOT_NEGATIVE)
    vat_rate = models.CharField(
        _("VAT"), max_length=5, choices=VatRate.choices, default=VatRate.TWENTY
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class SupplementaryAgreement(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="agreements")
    number = models.CharField(_("number"), max_length=40)
    signed_on = models.DateField(_("signed on"))
    starts_on = models.DateField(_("in force from"), null=True, blank=True)
    new_ends_on = models.DateField(_("extends the contract until"), null=True, blank=True)
    text = models.TextField(_("text"), max_length=50_000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("supplementary agreement")
        verbose_name_plural = _("supplementary agreements")
        ordering = ["signed_on", "pk"]

    def __str__(self) -> str:
        return self.number


class ContractOverride(models.Model):
    """A director's permission to work for a client whose contract is missing or expired."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    valid_until = models.DateField(_("valid until"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.valid_until}"


# --- Documents ------------------------------------------------------------------------------------
class DocStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    OVERDUE = "overdue", _("Overdue")
    VOID = "void", _("Void")


#: statuses in which an invoice is owed money
OPEN_INVOICE_STATUSES = (DocStatus.ISSUED, DocStatus.PARTLY_PAID, DocStatus.OVERDUE)


class DocSource(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ORDER = "order", _("From orders")
    CONTRACT = "contract", _("From the contract")
    BULK = "bulk", _("Bulk run")


class Document(models.Model):
    """An invoice, act, waybill, VAT invoice, commercial proposal or credit note.

    Issued documents never change: void (with a reason, the number is kept) and re-issue, or
    issue a credit note."""

    kind = models.CharField(_("kind"), max_length=12, choices=DocKind.choices)
    number = models.CharField(_("number"), max_length=40, blank=True, db_index=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="documents"
    )
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="documents")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    basis = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derived",
        verbose_name=_("based on"),
    )
    orders = models.ManyToManyField("orders.Order", blank=True, related_name="billing_documents")
    source = models.CharField(max_length=10, choices=DocSource.choices, default=DocSource.MANUAL)
    status = models.CharField(
        _("status"), max_length=12, choices=DocStatus.choices, default=DocStatus.DRAFT
    )
    date = models.DateField(_("date"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period until"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    subtotal = models.DecimalField(_("without VAT"), **MONEY, default=Decimal("0"))
    vat_total = models.DecimalField(_("VAT"), **MONEY, default=Decimal("0"))
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"))
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=Decimal("0"))
    note = models.TextField(_("note"), blank=True, max_length=2000)
    void_reason = models.CharField(_("reason for voiding"), max_length=500, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    pdf = models.FileField(upload_to="billing/pdf/%Y/%m/", blank=True, max_length=300)
    bulk_run = models.ForeignKey(
        "BulkRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["client", "kind", "status"]),
            models.Index(fields=["branch", "kind", "status", "due_date"]),
        ]
        constraints = [
            # the bulk run's idempotency: one invoice per contract and period, whatever happens
            models.UniqueConstraint(
                fields=["contract", "kind", "period_start"],
                condition=Q(contract__isnull=False, period_start__isnull=False) & ~Q(status="void"),
                name="billing_one_document_per_contract_period",
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind", "number"],
                condition=~Q(number=""),
                name="billing_document_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=models.F("total")),
                name="billing_paid_within_total",
            ),
        ]
        permissions = [
            ("issue_document", "Issue and void documents"),
            ("run_bulk_invoicing", "Run bulk invoicing"),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.get_kind_display()} #{self.pk}"

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.paid_amount


class DocumentLine(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(
        "orders.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=500)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("price"), **MONEY)
    vat_rate = models.CharField(_("VAT"), max_length=5, choices=VatRate.choices)
    amount = models.DecimalField(_("amount"), **MONEY, default=Decimal("0"))
    vat_amount = models.DecimalField(_("VAT"), **MONEY, default=Decimal("0"))

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


# --- Payments -------------------------------------------------------------------------------------
class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    BANK = "bank", _("Bank transfer")
    ONLINE = "online", _("Online")


class PaymentSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    DRIVER = "driver", _("Driver's tablet")
    BANK_STATEMENT = "statement", _("Bank statement")
    ONLINE = "online", _("Online payment")


class Payment(models.Model):
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="payments")
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY, validators=POSITIVE)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    source = models.CharField(
        max_length=10, choices=PaymentSource.choices, default=PaymentSource.MANUAL
    )
    reference = models.CharField(_("document number"), max_length=100, blank=True)
    payer_inn = models.CharField(_("payer's INN"), max_length=12, blank=True)
    purpose = models.CharField(_("purpose of payment"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    allocated = models.DecimalField(_("allocated"), **MONEY, default=Decimal("0"))
    #: the idempotency key of an import or a tablet action: the same payment never twice
    external_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    route_stop = models.ForeignKey(
        "routes.RouteStop", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["client", "date"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payment_positive"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=models.F("amount")),
                name="billing_payment_allocated_within_amount",
            ),
        ]
        permissions = [("import_statement", "Import bank statements")]

    def __str__(self) -> str:
        return f"{self.date} {self.amount} {self.currency}"

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated


class PaymentAllocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount"), **MONEY, validators=POSITIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "document"], name="billing_allocation_once_per_pair"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_allocation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.document_id}: {self.amount}"


class LedgerKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    VOID = "void", _("Invoice voided")
    CREDIT_NOTE = "credit_note", _("Credit note")
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    DEPOSIT = "deposit", _("Container deposit")
    DEPOSIT_RETURN = "deposit_return", _("Deposit returned")
    ADJUSTMENT = "adjustment", _("Adjustment")


class LedgerEntry(models.Model):
    """One movement on a client's account: + money in our favour of the client (payments),
    − money the client owes (invoices). The client's balance is the sum of their entries."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="ledger_entries"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=LedgerKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["client", "date", "id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "kind"],
                condition=Q(document__isnull=False),
                name="billing_ledger_once_per_document_kind",
            ),
            models.UniqueConstraint(
                fields=["payment", "kind"],
                condition=Q(payment__isnull=False),
                name="billing_ledger_once_per_payment_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} {self.amount}"


# --- Bulk invoicing -------------------------------------------------------------------------------
class BulkRun(models.Model):
    """ "Invoice everyone for November": one run per branch and period (re-running resumes)."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    send_email = models.BooleanField(_("e-mail the invoices"), default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.period_start}–{self.period_end}"


# --- Dunning --------------------------------------------------------------------------------------
class DunningAction(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS / messenger")
    EMAIL_WITH_INVOICE = "email_invoice", _("E-mail with the invoice attached")
    CALL_TASK = "call_task", _("Call task for the manager")
    STOP_DELIVERIES = "stop", _("Stop deliveries")


class DunningStep(models.Model):
    """One rung of the ladder: ``days_after_due`` days after an invoice's due date, do ``action``.
    Texts have placeholders ({client}, {invoice}, {amount}, {due_date}, {days}, {organisation})."""

    days_after_due = models.PositiveSmallIntegerField(_("days after the due date"))
    action = models.CharField(_("action"), max_length=14, choices=DunningAction.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text_ru = models.TextField(_("text (Russian)"), blank=True, max_length=5000)
    text_uk = models.TextField(_("text (Ukrainian)"), blank=True, max_length=5000)
    text_en = models.TextField(_("text (English)"), blank=True, max_length=5000)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("dunning step")
        verbose_name_plural = _("dunning steps")
        ordering = ["days_after_due", "pk"]
        permissions = [("view_debtors", "See debtors and receivables")]

    def __str__(self) -> str:
        return f"+{self.days_after_due}: {self.get_action_display()}"


class DunningEvent(models.Model):
    """A step done for an invoice: the unique pair is what makes "never twice" hold."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="dunning")
    step = models.ForeignKey(DunningStep, on_delete=models.PROTECT, related_name="events")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, blank=True)
    outcome = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-done_at"]
        constraints = [
            models.UniqueConstraint(fields=["document", "step"], name="billing_dunning_once")
        ]

    def __str__(self) -> str:
        return f"{self.document_id} / {self.step_id}"


class PromiseToPay(models.Model):
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    promised_on = models.DateField(_("will pay by"))
    amount = models.DecimalField(_("amount"), **MONEY, null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.promised_on}"


from billing.models_cash import CashClosing, CashEntry  # noqa: E402,F401
from billing.models_pay import PayAccrual, PayKind, Payout, PayRule  # noqa: E402,F401
