from __future__ import annotations

from django.contrib import admin

from rathaus.core.readonly_admin import ReadOnly

from .models import KassenzeichenCounter, Payment, PaymentAttempt, PaymentEvent


class AttemptInline(ReadOnly, admin.TabularInline[PaymentAttempt, Payment]):
    model = PaymentAttempt
    extra = 0
    fields = readonly_fields = ("request_id", "provider", "provider_reference", "outcome",
                                "created_at")


class EventInline(ReadOnly, admin.TabularInline[PaymentEvent, Payment]):
    model = PaymentEvent
    extra = 0
    fields = readonly_fields = ("created_at", "source", "provider", "verdict", "outcome",
                                "amount_cents", "detail")


@admin.register(Payment)
class PaymentAdmin(ReadOnly, admin.ModelAdmin[Payment]):
    list_display = ["kassenzeichen", "submission", "amount_cents", "state", "method", "paid_at",
                    "created_at"]
    list_filter = ["state", "method"]
    search_fields = ["kassenzeichen", "submission__reference"]
    inlines = [AttemptInline, EventInline]


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnly, admin.ModelAdmin[PaymentEvent]):
    list_display = ["created_at", "payment", "source", "provider", "verdict", "outcome"]
    list_filter = ["source", "verdict"]


@admin.register(KassenzeichenCounter)
class CounterAdmin(ReadOnly, admin.ModelAdmin[KassenzeichenCounter]):
    list_display = ["series", "year", "last"]
