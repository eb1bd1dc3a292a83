from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("services/<slug:slug>/apply/", views.start, name="start"),
    path("apply/<uuid:draft_id>/check/", views.check, name="check"),
    path("apply/<uuid:draft_id>/save/", views.save_for_later, name="save"),
    path("apply/<uuid:draft_id>/<str:step_id>/stop/", views.stop, name="stop"),
    path("apply/<uuid:draft_id>/<str:step_id>/", views.step, name="step"),
    path("resume/<str:token>/", views.resume, name="resume"),
    path("submitted/<str:reference>/", views.confirmation, name="confirmation"),
    path("submitted/<str:reference>/receipt.pdf", views.receipt, name="receipt"),
    path("status/<str:token>/", views.status, name="status"),
    path("status/<str:token>/receipt.pdf", views.status_receipt, name="status_receipt"),
    path("files/<str:upload_id>/", views.upload_file, name="file"),
]
