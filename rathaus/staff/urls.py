from django.urls import path

from . import cash_views, inbox_views, on_behalf_views, statistics_views, views

app_name = "staff"

# Mounted under staff/; the citizens' office pages and statistics have their own prefixes there.
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("login/code/", views.code, name="code"),
    path("login/setup/", views.enrol, name="enrol"),
    path("logout/", views.sign_out, name="logout"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("recovery-codes/new/", views.renew_recovery_codes, name="renew_recovery_codes"),
    path("welcome/<str:uidb64>/<str:token>/", views.welcome, name="welcome"),
    path("submissions/", inbox_views.submissions, name="submissions"),
    path("submissions/assign/", inbox_views.assign, name="assign"),
    path("submissions/export.csv", inbox_views.export, name="export"),
    path("submissions/<str:reference>/", inbox_views.submission, name="submission"),
    path("submissions/<str:reference>/files/<uuid:upload_id>/", inbox_views.attachment,
         name="attachment"),
    path("on-behalf/", on_behalf_views.choose, name="on_behalf"),
    path("on-behalf/<uuid:draft_id>/check/", on_behalf_views.check, name="on_behalf_check"),
    path("on-behalf/<uuid:draft_id>/<str:step_id>/stop/", on_behalf_views.stop,
         name="on_behalf_stop"),
    path("on-behalf/<uuid:draft_id>/<str:step_id>/", on_behalf_views.step,
         name="on_behalf_step"),
    path("on-behalf/filed/<str:reference>/", on_behalf_views.done, name="on_behalf_done"),
    path("on-behalf/filed/<str:reference>/receipt.pdf", on_behalf_views.receipt,
         name="on_behalf_receipt"),
    path("submissions/<str:reference>/files/<uuid:upload_id>/preview/",
         inbox_views.attachment_preview, name="attachment_preview"),
    path("statistics/", statistics_views.statistics, name="statistics"),
    path("maturity/", statistics_views.maturity_report, name="maturity"),
    path("submissions/<str:reference>/notice/preview.pdf", inbox_views.notice_preview,
         name="notice_preview"),
    path("submissions/<str:reference>/notice/<int:pk>.pdf", inbox_views.notice_pdf,
         name="notice_pdf"),
    # The cash office (Stadtkasse).
    path("cash/", cash_views.payments, name="cash_payments"),
    path("cash/bookings.csv", cash_views.bookings, name="cash_bookings"),
    path("cash/payments/<str:kassenzeichen>/", cash_views.payment, name="cash_payment"),
    path("cash/payments/<str:kassenzeichen>/refund/", cash_views.refund, name="cash_refund"),
    path("cash/statements/", cash_views.statements_page, name="cash_statements"),
    path("cash/statements/upload/", cash_views.upload, name="cash_upload"),
    path("cash/statements/<int:pk>/", cash_views.statement, name="cash_statement"),
    path("cash/statements/<int:pk>/apply/", cash_views.apply, name="cash_apply"),
    path("cash/lines/", cash_views.lines, name="cash_lines"),
    path("cash/lines/<int:pk>/assign/", cash_views.assign, name="cash_assign"),
    path("cash/lines/<int:pk>/dismiss/", cash_views.dismiss, name="cash_dismiss"),
]
