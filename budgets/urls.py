from django.urls import path

from budgets import views

urlpatterns = [
    path("<int:year>/", views.budget_detail, name="budget_detail"),
    path("<int:year>/rapport.json", views.budget_report_json, name="budget_report_json"),
    # editor (budgets/views.py)
    # excel (budgets/excel_views.py)
    # scenarios and planner (budgets/scenario_views.py)
]
