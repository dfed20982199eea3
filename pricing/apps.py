from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "pricing"

    def ready(self) -> None:
        from rewards.drawings.services import drawing_opened_hook_register
        from rewards.prices import price_adjuster_register, quote_validity_register

        from .sales import sale_prices
        from .services import parameters_current

        price_adjuster_register(sale_prices)
        quote_validity_register(lambda at: parameters_current(at=at).quote_validity_seconds)
        # A drawing opened: its watchers hear of it from the wish alert pass, after commit.
        drawing_opened_hook_register(_wish_alerts_after_commit)


def _wish_alerts_after_commit(drawing: object) -> None:
    from .alerts import wish_alerts_after_commit

    wish_alerts_after_commit()
