"""Identity endpoints outside the language prefix: BundID talks to fixed addresses."""

from django.urls import include, path

app_name = "identity"

urlpatterns = [path("", include("rathaus.identity.saml.urls"))]
