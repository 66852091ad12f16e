from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """The top layer: what puts a förbund's plan year together from the other apps
    (the plan document and its PDF, the bundle's import and export, adoption with
    its snapshot, next year's plan, the demo, the start and förbund pages)."""

    name = "documents"
    verbose_name = "Planens dokument"

    def ready(self) -> None:
        # Queues the plan's PDF after every save (plans.freeze.plan_year_written).
        from documents import pdf_tasks  # noqa: F401
