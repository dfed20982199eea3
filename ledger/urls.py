from django.urls import path

from . import thanks_views, views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("history/", views.ledger_history_view, name="ledger-history"),
    path("team/", views.team_view, name="team"),
    path("team/not-recognised/", thanks_views.not_recognised_view, name="not-recognised"),
    path("thanks/", thanks_views.thanks_view, name="thanks"),
    path("thanks/<int:pk>/react/", thanks_views.thanks_react_view, name="thanks-react-page"),
    path("thanks/<int:pk>/award/", thanks_views.thanks_award_view, name="thanks-award-page"),
]
