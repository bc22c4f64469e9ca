from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Agency, Municipality, Prefecture, StaffRole, User


@admin.register(Prefecture)
class PrefectureAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "prefecture", "population"]
    search_fields = ["code", "name"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "operation_type", "operator_name", "municipality"]
    filter_horizontal = ["served_municipalities"]


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "display_name", "agency", "municipality", "is_active"]
    list_filter = ["is_active", "agency", "municipality"]
    inlines = [StaffRoleInline]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("所属", {"fields": ("display_name", "display_name_kana", "agency", "municipality", "is_demo")}),
    )
