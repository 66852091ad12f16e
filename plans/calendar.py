"""The årshjul as an iCalendar feed (RFC 5545) that Outlook can subscribe to.

One feed per förbund: the meetings and deadlines of all its plans. A calendar
program cannot log in, so the subscription URL carries a token: an HMAC of the
user, the förbund and the membership's `calendar_generation` under the project's
SECRET_KEY. It opens the feed only while that user is active and still a member
of the förbund (leaving the förbund or a deactivated account closes it; "Byt
länk" raises the generation and closes the old link; a new SECRET_KEY closes
every one).

Each event's UID is the meeting's stored `uid`, so an edited, exported and
re-imported meeting stays the same event in a subscribed calendar.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from icalendar import Calendar, Event

from finsam.models import Federation, Membership
from finsam.roles import VIEW, role_may
from finsam.text import is_whole_number
from plans.models import Meeting, MeetingKind

SALT = "plans.calendar"
# A meeting with a start time but no end is shown as two hours long.
DEFAULT_LENGTH = timedelta(hours=2)


def calendar_token(user_id: int, federation: Federation, generation: int = 0) -> str:
    """The subscription token of the user in the förbund, at the membership's
    `calendar_generation` (0 until the link is first replaced)."""
    message = f"{user_id}.{federation.pk}" + (f".{generation}" if generation else "")
    digest = salted_hmac(SALT, message, algorithm="sha256").hexdigest()
    return f"{user_id}-{digest[:40]}"


def membership_token(membership: Membership) -> str:
    """The membership's current subscription token."""
    return calendar_token(membership.user_id, membership.federation, membership.calendar_generation)


def member_for_token(token: str, federation: Federation) -> Membership | None:
    """The membership the token was made for, if it is genuine, current (not
    replaced by "Byt länk") and its user is active and still may read."""
    user_part, _, _ = token.partition("-")
    if not is_whole_number(user_part) or len(user_part) > 18:
        return None
    membership = (
        Membership.objects.select_related("user", "federation")
        .filter(user_id=int(user_part), federation=federation)
        .first()
    )
    if membership is None or not constant_time_compare(token, membership_token(membership)):
        return None
    if not membership.user.is_active or not role_may(membership.role, VIEW):
        return None
    return membership


def event_uid(meeting: Meeting, federation: Federation) -> str:
    return f"mote-{meeting.uid}@{federation.slug}.finsam-planering"


def _event(meeting: Meeting, federation: Federation, zone: ZoneInfo) -> Event | None:
    """The meeting as an event, or None when its date cannot be one (a stored date
    at the end of the calendar, 9999-12-31, has no next day): the rest of the feed
    is still served."""
    try:
        if meeting.time is not None:
            start = datetime.combine(meeting.date, meeting.time, tzinfo=zone).astimezone(UTC)
            times = (start, start + DEFAULT_LENGTH)
        else:
            times = (meeting.date, meeting.date + timedelta(days=1))
    except (OverflowError, ValueError):
        return None
    event = Event()
    event.add("uid", event_uid(meeting, federation))
    event.add("summary", meeting.display_title)
    stamp = meeting.plan.updated_at or datetime.now(UTC)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("last-modified", stamp.astimezone(UTC))
    event.add("dtstart", times[0])
    event.add("dtend", times[1])
    if meeting.time is None:
        event.add("transp", "TRANSPARENT")
    if meeting.place:
        event.add("location", meeting.place)
    kind = str(MeetingKind(meeting.kind).label)
    description = f"{kind} – {federation.name}, verksamhetsplan {meeting.plan.year}."
    if meeting.note:
        description += f"\n\n{meeting.note}"
    event.add("description", description)
    event.add("categories", [kind])
    return event


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
        event = _event(meeting, federation, zone)
        if event is not None:
            calendar.add_component(event)
    return calendar.to_ical()
