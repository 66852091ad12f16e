"""The verksamhetsplan's pages, under f/<slug>/plan/ (see finsam/urls.py). The plan
as a document, its PDF, sending to review, adoption, next year's plan, the changes
since review and a new comment are under the same addresses in documents/urls.py."""

from django.urls import path

from plans import views, workflow_views

urlpatterns = [
    path("ny/", views.plan_create, name="plan_create"),
    path("kalender.ics", views.plan_calendar, name="plan_calendar"),
    path("kalender/byt-lank/", views.plan_calendar_renew, name="plan_calendar_renew"),
    path("kalender/<str:token>.ics", views.plan_calendar_feed, name="plan_calendar_feed"),
    path("<int:year>/redigera/", views.plan_edit, name="plan_edit"),
    # sections
    path("<int:year>/avsnitt/nytt/", views.section_create, name="section_create"),
    path("<int:year>/avsnitt/forhandsvisning/", views.section_preview, name="section_preview"),
    path(
        "<int:year>/avsnitt/<int:section_id>/redigera/",
        views.section_edit,
        name="section_edit",
    ),
    path(
        "<int:year>/avsnitt/<int:section_id>/flytta/",
        views.section_move,
        name="section_move",
    ),
    path(
        "<int:year>/avsnitt/<int:section_id>/ta-bort/",
        views.section_delete,
        name="section_delete",
    ),
    # goals
    path("<int:year>/mal/nytt/", views.goal_create, name="plan_goal_create"),
    path("<int:year>/mal/<int:plan_goal_id>/redigera/", views.goal_edit, name="plan_goal_edit"),
    path("<int:year>/mal/<int:plan_goal_id>/ta-bort/", views.goal_delete, name="plan_goal_delete"),
    # the årshjul
    path("<int:year>/moten/nytt/", views.meeting_create, name="meeting_create"),
    path("<int:year>/moten/<int:meeting_id>/redigera/", views.meeting_edit, name="meeting_edit"),
    path(
        "<int:year>/moten/<int:meeting_id>/ta-bort/",
        views.meeting_delete,
        name="meeting_delete",
    ),
    # the workflow (plans/workflow_views.py)
    path(
        "<int:year>/tillbaka-till-utkast/",
        workflow_views.plan_return_to_draft,
        name="plan_return_to_draft",
    ),
    path("<int:year>/ny-revision/", workflow_views.plan_new_revision, name="plan_new_revision"),
    path("<int:year>/publicera/", workflow_views.plan_publish, name="plan_publish"),
    path("<int:year>/avpublicera/", workflow_views.plan_unpublish, name="plan_unpublish"),
    # history and versions
    path("<int:year>/historik/", workflow_views.plan_history, name="plan_history"),
    path(
        "<int:year>/avsnitt/<int:section_id>/versioner/",
        workflow_views.section_versions,
        name="section_versions",
    ),
    path(
        "<int:year>/avsnitt/<int:section_id>/versioner/<int:version_id>/",
        workflow_views.section_version,
        name="section_version",
    ),
    # the adopted versions
    path(
        "<int:year>/faststalld/<int:snapshot_id>/",
        workflow_views.snapshot_detail,
        name="snapshot_detail",
    ),
    path(
        "<int:year>/faststalld/<int:snapshot_id>/plan.pdf",
        workflow_views.snapshot_pdf,
        name="snapshot_pdf",
    ),
    path(
        "<int:year>/faststalld/<int:snapshot_id>/planpaket.json",
        workflow_views.snapshot_bundle,
        name="snapshot_bundle",
    ),
    # comments
    path("<int:year>/kommentarer/", workflow_views.plan_comments, name="plan_comments"),
    path(
        "<int:year>/kommentarer/<int:comment_id>/",
        workflow_views.comment_thread,
        name="comment_thread",
    ),
    path(
        "<int:year>/kommentarer/<int:comment_id>/svara/",
        workflow_views.comment_reply,
        name="comment_reply",
    ),
    path(
        "<int:year>/kommentarer/<int:comment_id>/andra/",
        workflow_views.comment_amend,
        name="comment_amend",
    ),
    path(
        "<int:year>/kommentarer/<int:comment_id>/ta-tillbaka/",
        workflow_views.comment_withdraw,
        name="comment_withdraw",
    ),
    path(
        "<int:year>/kommentarer/<int:comment_id>/los/",
        workflow_views.comment_resolve,
        name="comment_resolve",
    ),
    path(
        "<int:year>/kommentarer/<int:comment_id>/oppna-igen/",
        workflow_views.comment_reopen,
        name="comment_reopen",
    ),
    # the public copy of an adopted, published plan: no login
    path("<int:year>/offentlig/", workflow_views.plan_public, name="plan_public"),
    path("<int:year>/offentlig/plan.pdf", workflow_views.plan_public_pdf, name="plan_public_pdf"),
]
