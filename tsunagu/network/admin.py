from django.contrib import admin

from .models import PartnerAgency, PartnerContact


class PartnerContactInline(admin.TabularInline):
    model = PartnerContact
    extra = 0


@admin.register(PartnerAgency)
class PartnerAgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "agency_type", "municipality", "area"]
    list_filter = ["agency_type", "municipality"]
    inlines = [PartnerContactInline]
