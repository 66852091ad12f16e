from django.urls import path

from budgets import views

urlpatterns = [
    path("<int:year>/", views.budget_detail, name="budget_detail"),
    path("<int:year>/rapport.json", views.budget_report_json, name="budget_report_json"),
    # editor (budgets/views.py)
    path("<int:year>/rutnat/", views.budget_grid, name="budget_grid"),
    path("<int:year>/rutnat/berakna/", views.budget_grid_recompute, name="budget_grid_recompute"),
    path("<int:year>/rutnat/spara/", views.budget_grid_save, name="budget_grid_save"),
    # excel (budgets/excel_views.py)
    # scenarios and planner (budgets/scenario_views.py)
]
