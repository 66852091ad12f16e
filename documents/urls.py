"""The pages of documents/views.py, at the same addresses as before they moved
here: the start page, the förbund page, and the plan's pages that draw on the
budget and the interventions (included at the root by finsam/urls.py)."""

from django.urls import path

from documents import pdf_views, views

PLAN = "f/<slug:slug>/plan/<int:year>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("f/<slug:slug>/", views.federation_detail, name="federation_detail"),
    path(PLAN, views.plan_detail, name="plan_detail"),
    path(PLAN + "pdf/", views.plan_pdf_download, name="plan_pdf"),
    path(PLAN + "word/", views.plan_docx_download, name="plan_docx"),
    path(PLAN + "skicka-pa-beredning/", views.plan_send_to_review, name="plan_send_to_review"),
    path(PLAN + "faststall/", views.plan_decide, name="plan_decide"),
    path(
        PLAN + "faststall/<str:job_id>/",
        pdf_views.adoption_progress,
        name="plan_adoption_progress",
    ),
    path(PLAN + "nasta-ar/", views.plan_roll_forward, name="plan_roll_forward"),
    path(PLAN + "andringar/", views.plan_changes, name="plan_changes"),
    path(PLAN + "kommentarer/ny/", views.comment_add, name="comment_add"),
]
