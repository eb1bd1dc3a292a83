"""Fixtures of the Mein Rathaus tests: the dog registration published, as in applications."""

from rathaus.applications.tests.conftest import fresh_spec_cache, hund_catalog

__all__ = ["fresh_spec_cache", "hund_catalog"]
