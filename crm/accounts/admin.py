from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from crm.accounts.models import Branch, User


@admin.register(User)
class KoloUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "branch", "is_active")
    list_filter = ("role", "branch", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Kolo", {"fields": ("role", "branch", "patronymic", "phone", "language")}),
    )


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "city", "timezone", "is_active")
