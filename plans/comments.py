"""Every write to the plan's comments: a new comment or reply, a correction, a
withdrawal, resolving and reopening. A fastställd plan takes no more comments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finsam.audit import record
from plans.freeze import ensure_plan_not_frozen
from plans.models import Comment, CommentTarget, Plan, Section
from plans.services import _name, _user

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


# --- comments ------------------------------------------------------------------------------


def _commentable(plan: Plan) -> None:
    """Every change to the plan's comments starts here: a fastställd plan's
    comments stay as they were when it was adopted (no new ones, replies,
    changes, withdrawals, resolving or reopening)."""
    ensure_plan_not_frozen(
        plan.federation_id,
        plan.year,
        message=_(
            "Planen är fastställd; den tar inte emot fler kommentarer, och dess "
            "kommentarer kan inte ändras."
        ),
    )


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Skriv en kommentar.")})
    return body


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


@transaction.atomic
def comment_add(
    *,
    plan: Plan,
    by: AbstractBaseUser,
    role: str,
    body: str,
    target: str = CommentTarget.SECTION,
    section: Section | None = None,
    # An interventions.Intervention (Comment.intervention names it by string:
    # interventions sit above plans).
    intervention: models.Model | None = None,
    quote: str = "",
) -> Comment:
    """A new comment on a section (optionally quoting a passage of its text), an
    intervention or the budget."""
    from plans.markdown import plain_text

    _commentable(plan)
    quote = " ".join((quote or "").split())
    comment = Comment(
        plan=plan,
        target=target,
        body=_clean_body(body),
        quote=quote,
        author=_user(by),
        author_name=_name(by),
        author_role=role,
    )
    if target == CommentTarget.SECTION:
        if section is None or section.plan_id != plan.pk:
            raise ValidationError({"section": _("Välj ett avsnitt i planen.")})
        comment.section = section
        comment.target_label = section.heading
        if quote and _normalise(quote) not in _normalise(
            plain_text(section.body) + " " + section.heading
        ):
            raise ValidationError(
                {"quote": _("Citatet finns inte i avsnittets text. Kopiera det ordagrant.")}
            )
    elif target == CommentTarget.INTERVENTION:
        if intervention is None or intervention.federation_id != plan.federation_id:
            raise ValidationError({"intervention": _("Välj en av förbundets insatser.")})
        comment.intervention = intervention
        comment.target_label = intervention.name
    elif target == CommentTarget.BUDGET:
        comment.target_label = _("Budget %(year)s") % {"year": plan.year}
    else:
        raise ValidationError({"target": _("Välj vad kommentaren gäller.")})
    comment.full_clean()
    comment.save()
    record(
        action="kommenterade planen",
        by=by,
        obj=plan,
        changes={"comment": comment.pk, "target": comment.target_label},
    )
    return comment


@transaction.atomic
def comment_reply(*, comment: Comment, by: AbstractBaseUser, role: str, body: str) -> Comment:
    """A reply to a comment (a thread has one level: a reply to a reply answers the
    thread). Once it has a reply, the comment cannot be changed."""
    thread = comment.parent if comment.parent_id else comment
    assert thread is not None
    _commentable(thread.plan)
    if thread.is_withdrawn:
        raise ValidationError(_("Kommentaren är återtagen och kan inte besvaras."))
    reply = Comment(
        plan=thread.plan,
        parent=thread,
        target=thread.target,
        section=thread.section,
        intervention=thread.intervention,
        target_label=thread.target_label,
        body=_clean_body(body),
        author=_user(by),
        author_name=_name(by),
        author_role=role,
    )
    reply.full_clean()
    reply.save()
    record(
        action="svarade på en kommentar",
        by=by,
        obj=thread.plan,
        changes={"comment": thread.pk, "reply": reply.pk},
    )
    return reply


def comment_change_refusal(comment: Comment, by: AbstractBaseUser) -> str | None:
    """Why `by` may not change (or withdraw) the comment, or None."""
    if comment.author_id is None or comment.author_id != getattr(by, "pk", None):
        return _("Bara den som skrev kommentaren kan ändra eller ta tillbaka den.")
    if comment.is_withdrawn:
        return _("Kommentaren är redan återtagen.")
    return None


@transaction.atomic
def comment_change(
    *, comment: Comment, by: AbstractBaseUser, body: str, quote: str | None = None
) -> Comment:
    """The author corrects a comment, as long as nobody has replied to it."""
    _commentable(comment.plan)
    comment = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("plan", "section")
        .get(pk=comment.pk)
    )
    if refusal := comment_change_refusal(comment, by):
        raise PermissionDenied(refusal)
    if comment.replies.exists():
        raise ValidationError(
            _("Kommentaren har fått svar och kan inte ändras längre. Skriv ett svar i stället.")
        )
    before = comment.body
    comment.body = _clean_body(body)
    if quote is not None:
        comment.quote = " ".join(quote.split())
    comment.changed_at = timezone.now()
    comment.full_clean()
    comment.save()
    record(
        action="ändrade sin kommentar",
        by=by,
        obj=comment.plan,
        changes={"comment": comment.pk, "body": [before, comment.body]},
    )
    return comment


@transaction.atomic
def comment_withdraw(*, comment: Comment, by: AbstractBaseUser) -> Comment:
    """The author withdraws a comment; it is kept (marked återtagen), never deleted."""
    _commentable(comment.plan)
    comment = (
        Comment.objects.select_for_update(of=("self",)).select_related("plan").get(pk=comment.pk)
    )
    if refusal := comment_change_refusal(comment, by):
        raise PermissionDenied(refusal)
    comment.withdrawn_at = timezone.now()
    comment.save(update_fields=["withdrawn_at"])
    record(
        action="tog tillbaka sin kommentar",
        by=by,
        obj=comment.plan,
        changes={"comment": comment.pk},
    )
    return comment


@transaction.atomic
def comment_resolve(*, comment: Comment, by: AbstractBaseUser) -> Comment:
    """The director marks a comment (a thread) as dealt with."""
    _commentable(comment.plan)
    comment = (
        Comment.objects.select_for_update(of=("self",)).select_related("plan").get(pk=comment.pk)
    )
    if comment.is_reply:
        raise ValidationError(_("Ett svar löses med den kommentar det svarar på."))
    if not comment.is_resolved:
        comment.resolved_at = timezone.now()
        comment.resolved_by = _user(by)
        comment.save(update_fields=["resolved_at", "resolved_by"])
        record(
            action="löste en kommentar", by=by, obj=comment.plan, changes={"comment": comment.pk}
        )
    return comment


@transaction.atomic
def comment_reopen(*, comment: Comment, by: AbstractBaseUser) -> Comment:
    _commentable(comment.plan)
    comment = (
        Comment.objects.select_for_update(of=("self",)).select_related("plan").get(pk=comment.pk)
    )
    if comment.is_resolved:
        comment.resolved_at = None
        comment.resolved_by = None
        comment.save(update_fields=["resolved_at", "resolved_by"])
        record(
            action="öppnade en kommentar igen",
            by=by,
            obj=comment.plan,
            changes={"comment": comment.pk},
        )
    return comment
