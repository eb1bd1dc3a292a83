from django.urls import path

from . import simulator_views, views

urlpatterns = [
    path("saml/metadata/", views.metadata, name="saml_metadata"),
    path("saml/login/", views.login, name="saml_login"),
    path("saml/acs/", views.acs, name="saml_acs"),
    path("saml/slo/", views.single_logout, name="saml_slo"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("simulator/sso/", simulator_views.sso, name="simulator_sso"),
    path("simulator/answer/", simulator_views.answer, name="simulator_answer"),
    path("simulator/slo/", simulator_views.slo, name="simulator_slo"),
]
