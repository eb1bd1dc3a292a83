from django.urls import path

from . import citizen_views

app_name = "cases"

urlpatterns = [
    path("status/<str:token>/zurueckziehen/", citizen_views.withdraw, name="withdraw"),
    path("status/<str:token>/antworten/", citizen_views.reply, name="reply"),
    path("status/<str:token>/bescheid/<int:pk>.pdf", citizen_views.notice_pdf,
         name="notice_pdf"),
]
