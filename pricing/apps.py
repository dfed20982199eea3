from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "pricing"

    def ready(self) -> None:
        from rewards.prices import price_adjuster_register, quote_validity_register

        from .sales import sale_prices
        from .services import parameters_current

        price_adjuster_register(sale_prices)
        quote_validity_register(lambda at: parameters_current(at=at).quote_validity_seconds)
