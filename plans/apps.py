from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Verksamhetsplaner"

    def ready(self) -> None:
        # Queues the plan's PDF after every save (plans.freeze.plan_year_written).
        from plans import pdf_tasks  # noqa: F401
