from django.urls import path

from budgets import views

urlpatterns = [
    path("<int:year>/", views.budget_detail, name="budget_detail"),
]
