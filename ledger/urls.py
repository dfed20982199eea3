from django.urls import path

from . import views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("history/", views.ledger_history_view, name="ledger-history"),
    path("team/", views.team_view, name="team"),
]
