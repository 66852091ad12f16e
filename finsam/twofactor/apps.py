from django.apps import AppConfig


class TwoFactorConfig(AppConfig):
    name = "finsam.twofactor"
    label = "twofactor"
    verbose_name = "Tvåstegsverifiering"

    def ready(self) -> None:
        from finsam.twofactor import middleware  # noqa: F401  (the login signal receiver)
