"""API routes of pricing, mounted under /api/v1/."""

from django.urls import path

from . import apis

urlpatterns = [
    path("pricing/parameters/", apis.ParametersApi.as_view(), name="api-pricing-parameters"),
    path(
        "pricing/parameters/versions/",
        apis.ParameterVersionsApi.as_view(),
        name="api-pricing-parameter-versions",
    ),
    path("pricing/preview/", apis.PreviewApi.as_view(), name="api-pricing-preview"),
    path("pricing/ticks/", apis.TickListApi.as_view(), name="api-pricing-ticks"),
    path("pricing/ticks/<int:pk>/", apis.TickDetailApi.as_view(), name="api-pricing-tick"),
    path(
        "pricing/ticks/<int:pk>/lines/",
        apis.TickLineListApi.as_view(),
        name="api-pricing-tick-lines",
    ),
    path("pricing/sales/", apis.SaleListApi.as_view(), name="api-pricing-sales"),
    path("pricing/sales/<int:pk>/", apis.SaleDetailApi.as_view(), name="api-pricing-sale"),
    path(
        "rewards/<int:pk>/price-history/",
        apis.PriceHistoryApi.as_view(),
        name="api-reward-price-history",
    ),
    path(
        "rewards/<int:pk>/price-ticks/", apis.PriceTicksApi.as_view(), name="api-reward-price-ticks"
    ),
]
