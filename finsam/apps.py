from django.apps import AppConfig


class FinsamConfig(AppConfig):
    name = "finsam"
    verbose_name = "Samordningsförbund"

    def ready(self) -> None:
        # Signal receivers: the audit log of logins, and the login time for the
        # 12-hour session limit.
        from finsam import admin_audit, audit, middleware  # noqa: F401

        # Django admin changes recorded in the audit log too.
        admin_audit.install()
