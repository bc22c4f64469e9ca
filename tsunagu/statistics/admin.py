"""国の目安値 is national master data: the system administrator adds a 年度's values here."""

from django.contrib import admin

from .models import GuideValue


@admin.register(GuideValue)
class GuideValueAdmin(admin.ModelAdmin):
    list_display = ["indicator_code", "fiscal_year", "value_per_100k", "source"]
    list_filter = ["indicator_code", "fiscal_year"]
    ordering = ["indicator_code", "fiscal_year"]
