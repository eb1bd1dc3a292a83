"""Fees paid online: payments, their providers, bank transfer and direct debit (issue 12)."""
