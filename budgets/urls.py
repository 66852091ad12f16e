from django.urls import path

from budgets import create_views, excel_views, followup_views, scenario_views, views

urlpatterns = [
    path("<int:year>/", views.budget_detail, name="budget_detail"),
    path("<int:year>/rapport.json", views.budget_report_json, name="budget_report_json"),
    # a new budget, and a pasted table (budgets/create_views.py)
    path("<int:year>/skapa/", create_views.budget_create, name="budget_create"),
    path("<int:year>/klistra-in/", create_views.budget_table_import, name="budget_table_import"),
    # editor (budgets/views.py)
    path("<int:year>/rutnat/", views.budget_grid, name="budget_grid"),
    path("<int:year>/rutnat/berakna/", views.budget_grid_recompute, name="budget_grid_recompute"),
    path("<int:year>/rutnat/spara/", views.budget_grid_save, name="budget_grid_save"),
    # excel (budgets/excel_views.py)
    path("<int:year>/excel/", excel_views.budget_excel_export, name="budget_excel_export"),
    path(
        "<int:year>/excel/importera/", excel_views.budget_excel_import, name="budget_excel_import"
    ),
    # scenarios and planner (budgets/scenario_views.py)
    path("<int:year>/scenarier/", scenario_views.scenario_compare, name="scenario_compare"),
    path("<int:year>/scenarier/nytt/", scenario_views.scenario_create, name="scenario_create"),
    path(
        "<int:year>/scenarier/<int:scenario_id>/byt-namn/",
        scenario_views.scenario_rename,
        name="scenario_rename",
    ),
    path(
        "<int:year>/scenarier/<int:scenario_id>/ta-bort/",
        scenario_views.scenario_delete,
        name="scenario_delete",
    ),
    path("<int:year>/bidragsplanerare/", scenario_views.budget_planner, name="budget_planner"),
    # the follow-up during the year (budgets/followup_views.py)
    path("<int:year>/uppfoljning/", followup_views.follow_up_page, name="follow_up"),
    path(
        "<int:year>/uppfoljning/importera/",
        followup_views.follow_up_import,
        name="follow_up_import",
    ),
    path(
        "<int:year>/uppfoljning/konton/",
        followup_views.follow_up_mapping,
        name="follow_up_mapping",
    ),
]
