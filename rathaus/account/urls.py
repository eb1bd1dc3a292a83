from django.urls import path

from . import views

app_name = "account"

urlpatterns = [
    path("anmelden/", views.sign_in_chooser, name="sign_in"),
    path("anmelden/e-mail/", views.email_sign_in, name="email_sign_in"),
    path("anmelden/e-mail/gesendet/", views.email_sent, name="email_sent"),
    path("anmelden/e-mail/<str:token>/", views.email_confirm, name="email_confirm"),
    path("mein-rathaus/", views.home, name="home"),
    path("mein-rathaus/antraege/", views.applications, name="applications"),
    path("mein-rathaus/termine/", views.appointments, name="appointments"),
    path("mein-rathaus/entwuerfe/", views.drafts, name="drafts"),
    path("mein-rathaus/entwuerfe/<uuid:draft_id>/loeschen/", views.delete_draft,
         name="delete_draft"),
    path("mein-rathaus/postfach/", views.mailbox, name="mailbox"),
    path("mein-rathaus/postfach/<int:pk>/", views.message, name="message"),
    path("mein-rathaus/postfach/<int:pk>/anhang/", views.attachment, name="attachment"),
    path("mein-rathaus/meine-daten/", views.my_data, name="my_data"),
    path("mein-rathaus/meine-daten/mein-rathaus.json", views.my_data_json, name="my_data_json"),
    path("mein-rathaus/meine-daten/mein-rathaus.zip", views.my_data_zip, name="my_data_zip"),
    path("mein-rathaus/konto-loeschen/", views.delete_account, name="delete_account"),
    path("konto-geloescht/", views.account_deleted, name="deleted"),
]
