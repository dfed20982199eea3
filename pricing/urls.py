from django.urls import path

from . import views

urlpatterns = [
    # The market's catalogue pages show prices, so pricing serves them (it sits above rewards).
    path("market/", views.reward_list_view, name="market"),
    path("market/<int:pk>/", views.reward_detail_view, name="reward-detail"),
    path("hr/pricing/", views.pricing_view, name="hr-pricing"),
    path("hr/pricing/ticks/<int:pk>/", views.tick_detail_view, name="hr-pricing-tick"),
    path("hr/pricing/sales/", views.sale_list_view, name="hr-sales"),
    path("hr/pricing/sales/<int:pk>/cancel/", views.sale_cancel_view, name="hr-sale-cancel"),
]
