"""Request and response bodies of the intake API (pydantic, via django-ninja).

Every request schema forbids unknown fields, limits every string and number, and is validated a
second time when a kept payload is retried, so the processors only ever see clean data."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import ConfigDict, Field, field_validator, model_validator

Text = Annotated[str, Field(max_length=200)]
ExternalId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")]
Phone = Annotated[str, Field(max_length=32)]
Email = Annotated[str, Field(max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("NUL characters are not allowed.")
        return value


# --- Leads ----------------------------------------------------------------------------------------
class LeadIn(Strict):
    external_id: ExternalId = Field(description="The request's id on the website (idempotency).")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    phone: Phone = ""
    email: Email = ""
    company: Text = ""
    message: Annotated[str, Field(max_length=4000)] = ""
    source: Annotated[str, Field(max_length=80)] = ""
    utm_source: Text = ""
    utm_medium: Text = ""
    utm_campaign: Text = ""
    utm_term: Text = ""
    utm_content: Text = ""

    @model_validator(mode="after")
    def _contact(self) -> LeadIn:
        if not self.phone and not self.email:
            raise ValueError("Give a phone or an e-mail.")
        return self


# --- Orders ---------------------------------------------------------------------------------------
class ContactIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    phone: Phone = ""
    email: Email = ""

    @model_validator(mode="after")
    def _contact(self) -> ContactIn:
        if not self.phone and not self.email:
            raise ValueError("Give a phone or an e-mail.")
        return self


class AddressIn(Strict):
    address: Annotated[str, Field(min_length=1, max_length=500)]
    city: Annotated[str, Field(max_length=120)] = ""
    latitude: Annotated[Decimal, Field(ge=-90, le=90, decimal_places=6)] | None = None
    longitude: Annotated[Decimal, Field(ge=-180, le=180, decimal_places=6)] | None = None
    entrance: Annotated[str, Field(max_length=20)] = ""
    floor: Annotated[str, Field(max_length=20)] = ""
    apartment: Annotated[str, Field(max_length=20)] = ""
    comment: Annotated[str, Field(max_length=500)] = ""

    @model_validator(mode="after")
    def _both_coordinates(self) -> AddressIn:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("Give both coordinates or neither.")
        return self


class ItemIn(Strict):
    code: Annotated[str, Field(max_length=40)] = Field(
        "", description="A catalogue product's code; or leave empty and give a name."
    )
    name: Annotated[str, Field(max_length=200)] = ""
    quantity: Annotated[Decimal, Field(gt=0, le=100000, decimal_places=3)]
    unit_price: Annotated[Decimal, Field(ge=0, le=10**9, decimal_places=2)] | None = None

    @model_validator(mode="after")
    def _code_or_name(self) -> ItemIn:
        if not self.code and not self.name:
            raise ValueError("Give a catalogue code or a name.")
        return self


PaymentMethodIn = Literal["cash", "card", "bank_transfer", "online"]


class OrderIn(Strict):
    external_id: ExternalId = Field(description="The order's id in the shop (idempotency).")
    client: ContactIn
    address: AddressIn
    items: Annotated[list[ItemIn], Field(min_length=1, max_length=100)]
    date: datetime.date
    window_from: datetime.time | None = None
    window_to: datetime.time | None = None
    payment_method: PaymentMethodIn = "cash"
    paid_online: bool = False
    paid_amount: Annotated[Decimal, Field(ge=0, le=10**9, decimal_places=2)] | None = None
    comment: Annotated[str, Field(max_length=2000)] = ""

    @field_validator("window_from", "window_to")
    @classmethod
    def _local_time(cls, value: datetime.time | None) -> datetime.time | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("Give the branch's local time without a time zone.")
        return value

    @model_validator(mode="after")
    def _paid(self) -> OrderIn:
        if self.paid_online and not self.paid_amount:
            raise ValueError("Give paid_amount for an order paid online.")
        return self


# --- Telephony ------------------------------------------------------------------------------------
class CallEventIn(Strict):
    event: Literal["incoming", "answered", "ended", "missed"]
    call_id: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^\S+$")]
    caller: Annotated[str, Field(min_length=1, max_length=32)]
    called: Annotated[str, Field(max_length=64)] = ""
    at: datetime.datetime | None = None
    duration_seconds: Annotated[int, Field(ge=0, le=86400)] | None = None
    recording_url: Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")] | None = None

    @field_validator("at")
    @classmethod
    def _sane_moment(cls, value: datetime.datetime | None) -> datetime.datetime | None:
        """In UTC (any offset a PBX sends is fine); naive means the server's time zone."""
        if value is None:
            return None
        if not 2000 <= value.year <= 2100:
            raise ValueError("The time is out of range.")
        if value.tzinfo is None:
            value = timezone.make_aware(value)
        return value.astimezone(datetime.UTC)


# --- Responses ------------------------------------------------------------------------------------
class ResultOut(Schema):
    status: str = Field(description="created, or exists for a repeated external id")
    kind: str
    id: int | None


class QueuedOut(Schema):
    status: str = Field(description="queued: kept and processed later")
    call: int


class ErrorOut(Schema):
    detail: list[dict] | str
    errors: dict[str, list[str]] | None = None
