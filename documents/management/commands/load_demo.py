"""python manage.py load_demo: the demo förbund (documents/demo/*.json) and demo users.

Idempotent: a plan year that is already in the database is left as it is (so that
`make run` keeps what you changed in the browser); --replace reads it in again.
Passwords are set only when a user is created. A fastställd plan year is never
replaced: --replace leaves it as it is when the file is the adopted plan, and
refuses (exit 1, nothing changed) when the file would change it.

The demo password published in the README is used only with DEBUG on (`make run`)
or in the tests (settings.DEMO_PUBLISHED_PASSWORD_ALLOWED). Otherwise the password
comes from FINSAM_DEMO_PASSWORD, and without it the command refuses: a server
must never get a superuser whose password anyone can read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction

from budgets.bundle import BundleError, load_bundle_json, parse_bundle
from budgets.models import Budget
from documents.adoption import snapshot_create
from documents.bundle.compare import bundle_unchanged
from documents.bundle.importer import bundle_import
from finsam.models import Federation, Membership, Role
from plans.freeze import decision_text
from plans.models import Plan, Snapshot

DEMO_DIR = Path(settings.BASE_DIR) / "documents" / "demo"
DEMO_PASSWORD = "finsam-demo-2026"
PASSWORD_VARIABLE = "FINSAM_DEMO_PASSWORD"
# username, role, first name, last name
DEMO_USERS = (
    ("chef", Role.DIRECTOR, "Anna", "Lindqvist"),
    ("beredning", Role.REVIEWER, "Johan", "Bergström"),
    ("styrelse", Role.BOARD, "Eva", "Sjöberg"),
    ("lasare", Role.VIEWER, "Lars", "Åkesson"),
)
ADMIN = ("admin", "Karin", "Ekström")


def _adopted_snapshot(federation: Federation, year: int) -> None:
    """A demo plan imported as fastställd gets its adopted version (bundle and PDF),
    as one adopted in the application has."""
    plan = Plan.objects.get(federation=federation, year=year)
    if plan.is_decided and plan.decided_on is not None:
        snapshot_create(plan=plan, by=None)


class Command(BaseCommand):
    help = (
        "Läser in demoförbunden och skapar demoanvändare (lösenord finsam-demo-2026 med "
        "DEBUG=1, annars lösenordet i FINSAM_DEMO_PASSWORD)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--replace",
            action="store_true",
            help="läs in planår som redan finns på nytt (ersätter dem)",
        )
        parser.add_argument(
            "--dir", default=str(DEMO_DIR), help="mapp med planpaket (standard: documents/demo)"
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        self.password, shown = self._password()
        files = sorted(Path(options["dir"]).glob("*.json"))
        if not files:
            self.stderr.write(f"Inga planpaket i {options['dir']}.")
        federations: list[Federation] = []
        imported, kept, adopted = [], [], []
        for path in files:
            data = self._read(path)
            slug, year = data["federation"]["slug"], data["plan"]["year"]
            plan = (
                Plan.objects.select_related("federation")
                .filter(federation__slug=slug, year=year)
                .first()
            )
            present = (
                plan is not None
                and Budget.objects.filter(federation__slug=slug, year=year).exists()
            )
            if present and not options["replace"]:
                federations.append(Federation.objects.get(slug=slug))
                kept.append(f"{slug} {year}")
                continue
            if plan is not None and plan.is_decided:
                # The adopted record is never replaced; a file that is the adopted
                # plan is left as it is, one that would change it stops everything.
                snapshot = Snapshot.objects.filter(plan=plan, revision=plan.revision).first()
                if snapshot is None or not bundle_unchanged(json.loads(snapshot.bundle), data):
                    self.fail(
                        f"{path.name} avvisades, inget ändrades. {decision_text(plan)} "
                        "Filen skiljer sig från den fastställda versionen; läs in den som en "
                        "ny revision med import_bundle --new-revision."
                    )
                federations.append(plan.federation)
                adopted.append(f"{slug} {year}")
                continue
            budget = bundle_import(data=data)
            _adopted_snapshot(budget.federation, year)
            federations.append(budget.federation)
            imported.append(f"{slug} {year}")

        created = self._users(federations)

        if imported:
            self.stdout.write(f"Inlästa planår: {', '.join(imported)}.")
        if kept:
            self.stdout.write(
                f"Fanns redan (orörda; --replace läser in dem på nytt): {', '.join(kept)}."
            )
        if adopted:
            self.stdout.write(f"Fastställda och oförändrade (orörda): {', '.join(adopted)}.")
        names = ", ".join(username for username, *_ in DEMO_USERS)
        self.stdout.write(
            f"Demoanvändare: {names} och {ADMIN[0]} (administratör), "
            f"med behörighet i {len(set(federations))} förbund."
        )
        if created:
            self.stdout.write(f"Nya användare: {', '.join(created)}; lösenord {shown}.")

    def _password(self) -> tuple[str, str]:
        """The password for new demo users, and how to name it in the output."""
        if getattr(settings, "DEMO_PUBLISHED_PASSWORD_ALLOWED", settings.DEBUG):
            return DEMO_PASSWORD, DEMO_PASSWORD
        password = os.environ.get(PASSWORD_VARIABLE, "")
        if not password:
            self.fail(
                f"DEBUG är av: demoanvändarna får inte det publicerade lösenordet. Ange ett "
                f"eget lösenord i miljövariabeln {PASSWORD_VARIABLE} (eller kör med DEBUG=1 "
                f"på en utvecklingsdator)."
            )
        if password == DEMO_PASSWORD:
            self.fail(f"{PASSWORD_VARIABLE} är det publicerade demolösenordet. Välj ett annat.")
        try:
            validate_password(password)
        except ValidationError as exc:
            self.fail(f"{PASSWORD_VARIABLE} godtas inte: {' '.join(exc.messages)}")
        # Users made earlier with DEBUG on keep their password: refuse rather than
        # leave the published one on a server.
        user_model = get_user_model()
        usernames = [username for username, *_ in DEMO_USERS] + [ADMIN[0]]
        published = [
            user.get_username()
            for user in user_model.objects.filter(username__in=usernames)
            if user.check_password(DEMO_PASSWORD)
        ]
        if published:
            self.fail(
                f"Användarna {', '.join(sorted(published))} har fortfarande det publicerade "
                f"demolösenordet. Byt deras lösenord (python manage.py changepassword) först."
            )
        return password, f"från {PASSWORD_VARIABLE}"

    def _read(self, path: Path) -> Any:
        try:
            data = load_bundle_json(path.read_text(encoding="utf-8"))
            parse_bundle(data)
        except (OSError, UnicodeDecodeError) as exc:
            self.fail(f"Kan inte läsa {path.name}: {exc}")
        except BundleError as exc:
            self.fail(f"{path.name} avvisades: {exc}")
        return data

    def _users(self, federations: list[Federation]) -> list[str]:
        """The demo cast; returns the usernames created now."""
        user_model = get_user_model()
        created = []
        for username, role, first_name, last_name in DEMO_USERS:
            user = user_model.objects.filter(username=username).first()
            if user is None:
                user = user_model.objects.create_user(
                    username,
                    password=self.password,
                    first_name=first_name,
                    last_name=last_name,
                )
                created.append(username)
            for federation in federations:
                Membership.objects.update_or_create(
                    user=user, federation=federation, defaults={"role": role}
                )
        username, first_name, last_name = ADMIN
        if not user_model.objects.filter(username=username).exists():
            user_model.objects.create_superuser(
                username,
                email="",
                password=self.password,
                first_name=first_name,
                last_name=last_name,
            )
            created.append(username)
        return created

    def fail(self, message: str) -> NoReturn:
        self.stderr.write(message)
        raise SystemExit(1)
