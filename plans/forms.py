"""Forms of the verksamhetsplan: the plan's own facts, a section, a goal, a meeting.

Plain forms whose fields come from the model fields (labels, lengths, choices),
as in finsam/forms.py; the services validate the model and save.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from finsam.forms import DateInput, _field
from plans.models import Goal, Meeting, Plan, Section


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


class PlanCreateForm(forms.Form):
    year = _field(
        Plan,
        "year",
        min_value=2000,
        max_value=2999,
        help_text=gettext_lazy("Verksamhetsåret som planen gäller."),
    )
    title = _field(
        Plan,
        "title",
        required=False,
        help_text=gettext_lazy("Tomt: ”Verksamhetsplan och budget ÅR”."),
    )


class PlanForm(forms.Form):
    """The plan's own facts. Its status is changed by the workflow's buttons
    (skicka på beredning, fastställ, ny revision), never here."""

    title = _field(Plan, "title")
    reference = _field(Plan, "reference", help_text=gettext_lazy("Till exempel dnr 2019:12 / 6."))
    decision_meeting_on = _field(
        Plan,
        "decision_meeting_on",
        widget=DateInput(),
        help_text=gettext_lazy(
            "Styrelsemötet som ska fastställa planen (senast 30 november året före)."
        ),
    )
    vision = _field(
        Plan,
        "vision",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Visas på försättsbladet."),
    )


class SectionForm(forms.Form):
    heading = _field(Section, "heading")
    kind = _field(
        Section,
        "kind",
        help_text=gettext_lazy(
            "Text skriver du själv. De andra kapitlen fylls från planens mål, årets "
            "insatser, mötena eller budgeten; texten nedan blir då deras inledning."
        ),
    )
    body = _field(
        Section,
        "body",
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        help_text=gettext_lazy(
            "Markdown: **fet**, *kursiv*, listor med - eller 1., rubriker med #, länkar "
            "[text](https://…). Bilder och HTML visas inte."
        ),
    )

    def __init__(
        self, *args: Any, preview_url: str = "", versioned: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if versioned:
            # The version the editor was opened at (services.section_update checks it).
            self.fields["version"] = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
        if preview_url:
            # htmx: the preview beside the editor follows what is typed.
            self.fields["body"].widget.attrs.update(
                {
                    "hx-post": preview_url,
                    "hx-trigger": "input changed delay:400ms",
                    "hx-target": "#forhandsvisning",
                    "hx-swap": "innerHTML",
                    "aria-controls": "forhandsvisning",
                }
            )


class GoalForm(forms.Form):
    level = _field(Goal, "level")
    text = _field(Goal, "text", widget=forms.Textarea(attrs={"rows": 3}))
    measures = forms.CharField(
        label=gettext_lazy("Mäts genom att"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Ett mått per rad."),
    )

    def clean_measures(self) -> list[str]:
        text = self.cleaned_data.get("measures") or ""
        return [line.strip().lstrip("-•* ").strip() for line in text.splitlines() if line.strip()]

    @staticmethod
    def initial_for(goal: Goal) -> dict[str, Any]:
        return {"level": goal.level, "text": goal.text, "measures": "\n".join(goal.measures)}


class MeetingForm(forms.Form):
    kind = _field(Meeting, "kind")
    date = _field(Meeting, "date", widget=DateInput())
    time = _field(Meeting, "time", widget=TimeInput())
    place = _field(Meeting, "place")
    title = _field(Meeting, "title", help_text=gettext_lazy("Tomt: mötets slag."))
    note = _field(Meeting, "note", widget=forms.Textarea(attrs={"rows": 3}))


# --- the workflow ----------------------------------------------------------------------


class SendToReviewForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Meddelande till beredningsgruppen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Valfritt, till exempel när ni vill ha synpunkterna."),
    )


class DecideForm(forms.Form):
    decided_on = forms.DateField(
        label=gettext_lazy("Beslutsdatum"),
        widget=DateInput(),
        help_text=gettext_lazy("Dagen då styrelsen fastställde planen."),
    )
    meeting = forms.ChoiceField(
        label=gettext_lazy("Styrelsemöte"),
        help_text=gettext_lazy(
            "Mötet i årshjulet där planen fastställdes. Hölls det planerade beslutsmötet en "
            "annan dag flyttas det till beslutsdagen; finns inget läggs ett till."
        ),
    )
    reference = _field(
        Plan,
        "reference",
        required=True,
        help_text=gettext_lazy("Beslutets diarienummer, till exempel dnr 2019:12 / 6."),
    )

    def __init__(self, *args: Any, meetings: list[Meeting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from plans.templatetags.plan_tags import sv_date
        from plans.workflow import NEW_MEETING

        self.meetings = {str(m.pk): m for m in meetings}
        self.fields["meeting"].choices = [
            (str(m.pk), f"{sv_date(m.date)} – {m.display_title}") for m in meetings
        ] + [
            (
                NEW_MEETING,
                gettext_lazy(
                    "Ett styrelsemöte på beslutsdagen (det planerade beslutsmötet, eller ett nytt)"
                ),
            )
        ]

    def clean_meeting(self) -> Meeting | None:
        return self.meetings.get(self.cleaned_data["meeting"])


class RevisionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Varför ändras planen?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Till exempel: styrelsen beslutade om ändrad budget den 12 mars. Syns i planens historik."
        ),
    )


# --- comments --------------------------------------------------------------------------


class CommentForm(forms.Form):
    about = forms.ChoiceField(label=gettext_lazy("Kommentaren gäller"))
    quote = forms.CharField(
        label=gettext_lazy("Citat ur texten"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Valfritt: markera en mening i avsnittet och tryck ”Citera markerad text”, "
            "eller klistra in den här."
        ),
    )
    body = forms.CharField(
        label=gettext_lazy("Kommentar"), widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(
        self,
        *args: Any,
        sections: list[Section],
        interventions: list[Any],
        year: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sections = {f"avsnitt-{s.pk}": s for s in sections}
        self.interventions = {f"insats-{i.pk}": i for i in interventions}
        self.fields["about"].choices = [
            (gettext_lazy("Avsnitt"), [(key, s.heading) for key, s in self.sections.items()]),
            (gettext_lazy("Insatser"), [(key, i.name) for key, i in self.interventions.items()]),
            ("budget", gettext_lazy("Budget %(year)s") % {"year": year}),
        ]

    def target(self) -> dict[str, Any]:
        """The service's keywords for what the comment is about."""
        about = self.cleaned_data["about"]
        if about in self.sections:
            return {"target": "section", "section": self.sections[about]}
        if about in self.interventions:
            return {"target": "intervention", "intervention": self.interventions[about]}
        return {"target": "budget"}


class ReplyForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Svar"), widget=forms.Textarea(attrs={"rows": 3}))


class CommentChangeForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Kommentar"), widget=forms.Textarea(attrs={"rows": 5})
    )
