from django.apps import AppConfig

from finsam.steps import register_steps


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = "Budget"

    def ready(self) -> None:
        # The förbund page's "Kom igång" asks this app about the plan and its budget
        # (finsam/steps.py): the core does not import the budgets.
        from budgets.selectors import plan_and_budget_steps

        register_steps("budgets.plan_and_budget", plan_and_budget_steps)
