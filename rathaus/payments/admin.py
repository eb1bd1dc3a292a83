from __future__ import annotations

from django.contrib import admin

from rathaus.core.readonly_admin import ReadOnly

from .models import (
    DirectDebitExport,
    KassenzeichenCounter,
    Payment,
    PaymentAttempt,
    PaymentEvent,
    Refund,
    StatementImport,
    StatementLine,
)


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


class LineInline(ReadOnly, admin.TabularInline[StatementLine, StatementImport]):
    model = StatementLine
    extra = 0
    fields = readonly_fields = ("booking_date", "amount_cents", "debtor_name", "outcome",
                                "status", "payment", "note")


@admin.register(StatementImport)
class StatementImportAdmin(ReadOnly, admin.ModelAdmin[StatementImport]):
    list_display = ["uploaded_at", "filename", "statement_id", "account_iban", "applied_at",
                    "booked", "left_open", "known"]
    exclude = ["data"]
    inlines = [LineInline]


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnly, admin.ModelAdmin[StatementLine]):
    list_display = ["booking_date", "amount_cents", "debtor_name", "outcome", "status",
                    "payment"]
    list_filter = ["status", "outcome"]
    search_fields = ["kassenzeichen", "remittance", "payment__kassenzeichen"]


@admin.register(Refund)
class RefundAdmin(ReadOnly, admin.ModelAdmin[Refund]):
    list_display = ["created_at", "payment", "amount_cents", "state", "requested_by"]


@admin.register(DirectDebitExport)
class DirectDebitExportAdmin(ReadOnly, admin.ModelAdmin[DirectDebitExport]):
    list_display = ["created_at", "message_id", "collection_date", "count", "total_cents"]
    exclude = ["data"]
