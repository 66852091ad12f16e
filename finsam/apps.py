from django.apps import AppConfig


class FinsamConfig(AppConfig):
    name = "finsam"
    verbose_name = "Samordningsförbund"

    def ready(self) -> None:
        # Signal receivers: the audit log of logins, and the login time for the
        # 12-hour session limit.
        from finsam import audit, middleware  # noqa: F401
