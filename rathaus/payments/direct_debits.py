"""SEPA direct debits the cash office exports as pain.008 for the town's bank.

Due are the open payments whose method is direct debit and that no export holds yet. The
mandate is the application's: the account (holder, IBAN, BIC) of its ``iban`` field, which
the citizen can only give by agreeing to the mandate; its reference is the creditor's mandate
prefix and the application's reference ("RH-7K2M-Q9XD": unique under the town's creditor
identifier beside the references of its other procedures, in the SEPA identifier set, at most
35 characters), kept as first exported for every later collection of that mandate; it was
signed the day the citizen submitted the application, in the town's time (decision 0036).
A mandate's first collection is sent as FRST, every later one as RCUR. An exported payment is
stored with its export's message id (a unique payment column), so it is never exported twice.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from rathaus.audit.models import Action
from rathaus.audit.services import record

from . import pain008
from .models import (
    DIRECT_DEBIT,
    DirectDebitCollection,
    DirectDebitExport,
    EventSource,
    Payment,
    PaymentEvent,
    PaymentState,
    Verdict,
)
from .pain008 import Collection, Creditor, DirectDebitError, SequenceType
from .providers.base import Outcome
from .services import RETURNED_DEBIT


@dataclass(frozen=True)
class Mandate:
    holder: str
    iban: str
    bic: str
    reference: str
    signed: dt.date


@dataclass(frozen=True)
class Due:
    """A payment to collect, with its mandate (None: the application gives none)."""

    payment: Payment
    mandate: Mandate | None
    # The return reason that ended the mandate (an earlier collection came back with it):
    # nothing more is collected under it until the citizen gives a new one.
    returned: str = ""


# Returns after which the mandate cannot be used again: no or a revoked mandate, wrong mandate
# data, the payer died, the account is wrong, closed, blocked or takes no direct debits. After
# MD06 (refund on request) or AM04 (no funds) the mandate stands.
ENDING_RETURNS = frozenset({"AC01", "AC04", "AC06", "AG01", "MD01", "MD02", "MD07"})


def _ended(references: set[str]) -> dict[str, str]:
    """The mandates among ``references`` a return ended, with its reason code. One query."""
    if not references:
        return {}
    found = PaymentEvent.objects.filter(
        payment__collection__mandate_reference__in=references, source=EventSource.IMPORT,
        verdict=Verdict.APPLIED, outcome=Outcome.FAILED.value,
        detail__startswith=RETURNED_DEBIT).values_list(
        "payment__collection__mandate_reference", "raw")
    return {str(reference): code for reference, raw in found
            if (code := str(raw.get("return_reason", "")).upper()) in ENDING_RETURNS}


def mandate_of(payment: Payment) -> Mandate | None:
    """The SEPA mandate the application behind ``payment`` gave, if it gave one."""
    submission = payment.submission
    if submission is None or submission.service_version.spec.form is None:
        return None
    for _step, _group, field in submission.service_version.spec.form.iter_fields():
        value = submission.answers.get(field.id) if field.type == "iban" else None
        if isinstance(value, dict) and value.get("mandate") is True and value.get("iban"):
            return Mandate(holder=str(value.get("holder", "")), iban=str(value["iban"]),
                           bic=str(value.get("bic", "")), reference=mandate_reference(payment),
                           signed=timezone.localtime(submission.submitted_at).date())
    return None


def mandate_reference(payment: Payment) -> str:
    """The reference of the mandate the application behind ``payment`` gave.

    Once a collection went to the bank under a reference, that reference stays the mandate's
    (a changed reference is a mandate amendment the debtor's bank must be told of).
    """
    assert payment.submission is not None
    used = (DirectDebitCollection.objects.filter(payment__submission=payment.submission)
            .order_by("pk").values_list("mandate_reference", flat=True).first())
    if used:
        return str(used)
    prefix = str(settings.RATHAUS_CREDITOR.get("mandate_prefix", "RH")).strip("- ")
    return f"{prefix}-{payment.submission.reference}" if prefix else payment.submission.reference


def _due_payments() -> list[Payment]:
    return list(Payment.objects.filter(method=DIRECT_DEBIT, state=PaymentState.OPEN,
                                       collection__isnull=True)
                .select_related("submission__service_version").order_by("created_at", "pk"))


def due() -> list[Due]:
    """The payments to collect by direct debit now, oldest first."""
    found = [(payment, mandate_of(payment)) for payment in _due_payments()]
    ended = _ended({mandate.reference for _payment, mandate in found if mandate is not None})
    return [Due(payment, mandate, ended.get(mandate.reference, "") if mandate else "")
            for payment, mandate in found]


def creditor() -> Creditor:
    options = settings.RATHAUS_CREDITOR
    return Creditor(name=options["name"], iban=options["iban"], bic=options.get("bic", ""),
                    creditor_id=options["id"])


def export_collections(*, collection_date: dt.date, actor: User,
                       request: HttpRequest | None = None) -> DirectDebitExport:
    """Write the due collections with a mandate as one pain.008 file and mark them exported.

    Raises pain008.DirectDebitError (in words) when there is nothing to collect or the bank
    would refuse the file.
    """
    with transaction.atomic():
        locked = list(Payment.objects.select_for_update(of=("self",)).filter(
            pk__in=[payment.pk for payment in _due_payments()], collection__isnull=True,
            state=PaymentState.OPEN).select_related("submission__service_version")
            .order_by("created_at", "pk"))
        chosen = [(payment, mandate) for payment in locked
                  if (mandate := mandate_of(payment)) is not None]
        ended = _ended({mandate.reference for _payment, mandate in chosen})
        chosen = [(payment, mandate) for payment, mandate in chosen
                  if mandate.reference not in ended]
        before = set(DirectDebitCollection.objects.filter(
            mandate_reference__in=[mandate.reference for _p, mandate in chosen])
            .values_list("mandate_reference", flat=True))
        collections = [Collection(
            debtor_name=mandate.holder, debtor_iban=mandate.iban, debtor_bic=mandate.bic,
            mandate_reference=mandate.reference, mandate_signed=mandate.signed,
            sequence=(SequenceType.RECURRING if mandate.reference in before
                      else SequenceType.FIRST),
            amount_cents=payment.amount_cents, end_to_end_id=payment.kassenzeichen,
            remittance=payment.purpose) for payment, mandate in chosen]
        message_id = (f"RH{timezone.now():%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}")
        data = pain008.collections_xml(creditor(), collections, collection_date=collection_date,
                                       message_id=message_id)
        export = DirectDebitExport.objects.create(
            message_id=message_id, collection_date=collection_date, data=data,
            count=len(collections), total_cents=sum(c.amount_cents for c in collections),
            created_by=actor)
        DirectDebitCollection.objects.bulk_create([DirectDebitCollection(
            payment=payment, export=export, mandate_reference=collection.mandate_reference,
            sequence=collection.sequence.value, amount_cents=collection.amount_cents)
            for (payment, _mandate), collection in zip(chosen, collections, strict=True)])
        record(action=Action.DIRECT_DEBITS_EXPORTED, request=request, actor=actor,
               object_type="payments.directdebitexport", object_id=message_id,
               message=f"{export.count} collections, {export.total_cents} cents, "
                       f"due {collection_date.isoformat()}")
    return export


__all__ = ["DirectDebitError", "Due", "Mandate", "due", "export_collections", "mandate_of"]
