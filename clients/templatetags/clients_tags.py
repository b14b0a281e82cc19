from __future__ import annotations

from django import template

from crm.core.phones import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """``+79111234567`` -> ``+7 911 123-45-67``; anything else as it is."""
    return format_phone(value) if value else ""
