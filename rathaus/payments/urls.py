"""The citizen's pages of a payment, under the language prefix."""

from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("pay/<str:token>/", views.pay, name="pay"),
    path("payments/<slug:provider>/return/<str:request_id>/", views.payment_return,
         name="return"),
]
