"""The pages of documents/views.py, at the same addresses as before they moved
here: the start page, the förbund page, and the plan's pages that draw on the
budget and the interventions (included at the root by finsam/urls.py)."""

from django.urls import path

from documents import followup_report, pdf_views, views

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
    # the board's follow-up report (documents/followup_report.py)
    path(
        "f/<slug:slug>/budget/<int:year>/uppfoljning/<int:month>/rapport/",
        followup_report.follow_up_report,
        name="follow_up_report",
    ),
    path(
        "f/<slug:slug>/budget/<int:year>/uppfoljning/<int:month>/rapport.pdf",
        followup_report.follow_up_report_pdf,
        name="follow_up_report_pdf",
    ),
    path(
        "f/<slug:slug>/budget/<int:year>/uppfoljning/<int:month>/skicka/",
        followup_report.follow_up_send,
        name="follow_up_send",
    ),
]
