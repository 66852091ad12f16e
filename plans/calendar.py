"""The årshjul as an iCalendar feed (RFC 5545) that Outlook can subscribe to.

One feed per förbund: the meetings and deadlines of all its plans. A calendar
program cannot log in, so the subscription URL carries a token: an HMAC of the
user and the förbund under the project's SECRET_KEY. It opens the feed only
while that user is still a member of the förbund (leaving the förbund closes it;
a new SECRET_KEY closes every one).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from icalendar import Calendar, Event

from finsam.models import Federation, Membership
from finsam.roles import VIEW, role_may
from plans.models import Meeting, MeetingKind

SALT = "plans.calendar"
# A meeting with a start time but no end is shown as two hours long.
DEFAULT_LENGTH = timedelta(hours=2)


def calendar_token(user_id: int, federation: Federation) -> str:
    digest = salted_hmac(SALT, f"{user_id}.{federation.pk}", algorithm="sha256").hexdigest()
    return f"{user_id}-{digest[:40]}"


def member_for_token(token: str, federation: Federation) -> Membership | None:
    """The membership the token was made for, if it is genuine and still may read."""
    user_part, _, _ = token.partition("-")
    if not user_part.isdigit():
        return None
    if not constant_time_compare(token, calendar_token(int(user_part), federation)):
        return None
    membership = Membership.objects.filter(user_id=int(user_part), federation=federation).first()
    if membership is None or not role_may(membership.role, VIEW):
        return None
    return membership


def federation_calendar(federation: Federation) -> bytes:
    """Every meeting of the förbund's plans, oldest first. Two queries."""
    zone = ZoneInfo(settings.TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", "-//Finsam planering//Årshjul//SV")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Årshjul – {federation.name}")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    # Outlook and others poll a subscribed calendar; ask for once every few hours.
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    meetings = Meeting.objects.filter(plan__federation=federation).select_related("plan")
    for meeting in meetings:
        event = Event()
        event.add("uid", f"mote-{meeting.pk}@{federation.slug}.finsam-planering")
        event.add("summary", meeting.display_title)
        stamp = meeting.plan.updated_at or datetime.now(UTC)
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("last-modified", stamp.astimezone(UTC))
        if meeting.time is not None:
            start = datetime.combine(meeting.date, meeting.time, tzinfo=zone).astimezone(UTC)
            event.add("dtstart", start)
            event.add("dtend", start + DEFAULT_LENGTH)
        else:
            event.add("dtstart", meeting.date)
            event.add("dtend", meeting.date + timedelta(days=1))
            event.add("transp", "TRANSPARENT")
        if meeting.place:
            event.add("location", meeting.place)
        kind = str(MeetingKind(meeting.kind).label)
        description = f"{kind} – {federation.name}, verksamhetsplan {meeting.plan.year}."
        if meeting.note:
            description += f"\n\n{meeting.note}"
        event.add("description", description)
        event.add("categories", [kind])
        calendar.add_component(event)
    return calendar.to_ical()
