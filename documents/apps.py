from django.apps import AppConfig

from plans.section_text import register_filler


class DocumentsConfig(AppConfig):
    """The top layer: what puts a förbund's plan year together from the other apps
    (the plan document and its PDF, the bundle's import and export, adoption with
    its snapshot, next year's plan, the demo, the start and förbund pages)."""

    name = "documents"
    verbose_name = "Planens dokument"

    def ready(self) -> None:
        # Queues the plan's PDF after every save (plans.freeze.plan_year_written).
        from documents import pdf_tasks  # noqa: F401
        from documents.document import fill_plan_figures

        # The editor's preview shows the budget's figures for {{ UB 2026 }} and the like.
        register_filler(fill_plan_figures)
