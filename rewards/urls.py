from django.urls import path, re_path

from . import catalogue_views, views
from .drawings import views as drawing_views
from .leavers import views as leaver_views

urlpatterns = [
    path("market/<int:pk>/quote/", views.quote_create_view, name="quote-create"),
    path("market/<int:pk>/wish/", views.wish_add_view, name="wish-add"),
    path("market/quotes/<int:pk>/", views.redemption_confirm_view, name="redemption-confirm"),
    path("wishes/", views.wish_list_view, name="wishes"),
    path("wishes/<int:pk>/", views.wish_update_view, name="wish-update"),
    path("wishes/<int:pk>/move/", views.wish_move_view, name="wish-move"),
    path("wishes/<int:pk>/remove/", views.wish_remove_view, name="wish-remove"),
    path("redemptions/", views.redemption_list_view, name="redemptions"),
    path("redemptions/<int:pk>/", views.redemption_receipt_view, name="redemption-receipt"),
    path("redemptions/<int:pk>/cancel/", views.redemption_cancel_view, name="redemption-cancel"),
    path("approvals/", views.approval_list_view, name="approvals"),
    path(
        "approvals/<int:pk>/<str:decision>/",
        views.redemption_decide_view,
        name="redemption-decide",
    ),
    path("hr/redemptions/", views.hr_redemption_list_view, name="hr-redemptions"),
    path("drawings/", drawing_views.drawing_list_view, name="drawings"),
    path("drawings/<int:pk>/", drawing_views.drawing_detail_view, name="drawing-detail"),
    path("drawings/<int:pk>/bid/", drawing_views.bid_place_view, name="drawing-bid"),
    path("drawings/<int:pk>/withdraw/", drawing_views.bid_withdraw_view, name="drawing-withdraw"),
    path("hr/drawings/", drawing_views.hr_drawing_list_view, name="hr-drawings"),
    path("hr/leavers/", leaver_views.hr_leavers_view, name="hr-leavers"),
    path(
        "hr/leavers/<int:pk>/settle/", leaver_views.hr_leaver_settle_view, name="hr-leaver-settle"
    ),
    path("hr/rewards/", catalogue_views.hr_reward_list_view, name="hr-rewards"),
    path("hr/rewards/new/", catalogue_views.hr_reward_create_view, name="hr-reward-create"),
    path("hr/rewards/<int:pk>/", catalogue_views.hr_reward_edit_view, name="hr-reward-edit"),
    re_path(
        rf"^pictures/(?P<name>{catalogue_views.PICTURE_NAME})$",
        catalogue_views.reward_picture_view,
        name="reward-picture",
    ),
    re_path(
        rf"^pictures/(?P<size>small)/(?P<name>{catalogue_views.PICTURE_NAME})$",
        catalogue_views.reward_picture_view,
        name="reward-picture-small",
    ),
]
