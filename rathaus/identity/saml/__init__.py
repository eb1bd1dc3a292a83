"""Rathaus as a SAML 2.0 service provider for BundID (decision 0009)."""
