"""Fill a PostgreSQL database with national-scale data, for benchmarks.

Rows are generated in Python and loaded with COPY, table by table, never saved one by one.
Distributions are skewed like the field: a few big antennas and many small ones, people who
come back several times, most bookings made by referrers. Nothing here is meant for
production data: run it on a database of its own.
"""

import csv
import datetime
import io
import random
import time
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from inclusion.core.departments import DEPARTMENTS
from inclusion.core.models import Topic
from sessions_app.figures.rollups import months_build, months_needing_build

NATIONAL = {
    "antennas": 1000,
    "departments": 100,
    "permanences": 3000,
    "volunteers": 5000,
    "referrers": 2000,
    "people": 300_000,
    "sheets": 400_000,
    "bookings": 1_000_000,
    "sessions": 1_000_000,
    "access_logs": 1_000_000,
    "past_weeks": 52,
    "future_weeks": 12,
}
PARIS = ZoneInfo("Europe/Paris")
OUTCOMES = ["done"] * 6 + ["partly_done"] * 2 + ["to_continue"] * 2 + ["redirected"]
AUTONOMY = ["guided"] * 5 + ["partly"] * 3 + ["autonomous"] * 2
AGE = ["18_24", "25_39", "25_39", "40_59", "40_59", "40_59", "60_69", "70_plus", "not_given"]


class Copier:
    """Streams rows into one table with COPY, in chunks, and keeps count of the ids it gave."""

    def __init__(self, table: str, columns: list[str], start_id: int = 1):
        self.table, self.columns, self.next_id, self.rows = table, columns, start_id, 0
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)

    def add(self, *values) -> int:
        row_id = self.next_id
        self.writer.writerow([row_id, *("\\N" if value is None else value for value in values)])
        self.next_id += 1
        self.rows += 1
        if self.rows % 200_000 == 0:
            self.flush()
        return row_id

    def flush(self) -> None:
        if not self.buffer.tell():
            return
        self.buffer.seek(0)
        # Table and column names come from this module, never from input.
        statement = f"COPY {self.table} (id, {', '.join(self.columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            copy.write(self.buffer.getvalue())
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)

    def close(self) -> None:
        self.flush()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{self.table}', 'id'), GREATEST(MAX(id), 1)) FROM {self.table}"  # noqa: S608 (a table name of this module)
            )


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 (a table name of this module)
        return cursor.fetchone()[0]


class Command(BaseCommand):
    help = "Fill the database with national-scale data for benchmarks (PostgreSQL only; use a database of its own)."

    def add_arguments(self, parser):
        for name, default in NATIONAL.items():
            parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--access-log-only",
            action="store_true",
            help="only add a year of access-log entries to a database this command filled before",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale loads data with PostgreSQL's COPY: point DATABASE_URL at PostgreSQL.")
        self.rng = random.Random(options["seed"])  # noqa: S311 (repeatable test data, not secrets)
        self.options = options
        self.now = timezone.now()
        self.today = timezone.localdate()
        started = time.perf_counter()
        counts = {}
        if options["access_log_only"]:
            with transaction.atomic():
                counts.update(self.access_log())
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE core_accesslog")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Access log: {counts['access log entries']:,} entries in {time.perf_counter() - started:.0f} s."
                )
            )
            return
        steps = [
            ("organizations and antennas", self.organizations_and_antennas),
            ("accounts, memberships and referrers", self.accounts),
            ("permanences, dates and slots", self.schedule),
            ("rota sign-ups", self.signups),
            ("people helped and consents", self.people),
            ("liaison sheets", self.sheets),
            ("bookings", self.bookings),
            ("session logs", self.sessions),
            ("access log", self.access_log),
        ]
        # One transaction: foreign keys are checked at commit, so a child table's chunk may be
        # copied before the last chunk of its parent table.
        with transaction.atomic():
            for label, step in steps:
                step_started = time.perf_counter()
                counts.update(step())
                self.stdout.write(f"{label}: {time.perf_counter() - step_started:.1f} s")
        with connection.cursor() as cursor:
            # As autovacuum would, later: statistics for the planner, and the visibility map
            # without which no index can be read on its own. VACUUM cannot run inside a
            # transaction (the test suite's), where statistics are all there is to gain.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        # COPY sends no signal: the months that are over are added up here, as the daily
        # `build_figures` would.
        step_started = time.perf_counter()
        counts["months added up for the figures"] = len(months_build(months=months_needing_build(self.today)))
        self.stdout.write(f"monthly figures: {time.perf_counter() - step_started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        for name, count in counts.items():
            self.stdout.write(f"  {name}: {count:,}".replace(",", " "))
        self.stdout.write(self.style.SUCCESS(f"Done in {time.perf_counter() - started:.0f} s."))

    # A few big antennas and many small ones: weights follow a Zipf-like curve.
    def weighted_antennas(self, count: int) -> list[int]:
        return self.rng.choices(self.antenna_ids, weights=self.antenna_weights, k=count)

    def organizations_and_antennas(self) -> dict:
        options = self.options
        departments = list(DEPARTMENTS)[: options["departments"]]
        organizations = Copier(
            "core_organization",
            ["name", "kind", "parent_id", "department_code", "email", "phone", "created_at", "updated_at"],
            _next_id("core_organization"),
        )
        federation = organizations.add(
            f"Fédération nationale {self.now:%H%M%S%f}", "federation", None, "", "", "", self.now, self.now
        )
        self.department_orgs = {
            code: organizations.add(
                f"Fédération {code} {federation}", "federation", federation, code, "", "", self.now, self.now
            )
            for code in departments
        }
        self.social_services = [
            organizations.add(
                f"Services sociaux {code} {federation}", "department", None, code, "", "", self.now, self.now
            )
            for code in departments
        ]
        organizations.close()
        antennas = Copier(
            "core_antenna",
            [
                "organization_id",
                "name",
                "address",
                "postcode",
                "city",
                "department_code",
                "status",
                "workstations",
                "accessibility_notes",
                "public_phone",
                "public_notes",
                "time_zone",
                "created_at",
                "updated_at",
            ],
            _next_id("core_antenna"),
        )
        self.antenna_ids, self.antenna_weights, self.antenna_departments = [], [], {}
        for n in range(options["antennas"]):
            code = departments[n % len(departments)]
            postcode = (code.replace("2A", "20").replace("2B", "20") + "000")[:5].ljust(5, "0")
            antenna_id = antennas.add(
                self.department_orgs[code],
                f"Antenne {n}",
                f"{n} rue de la République",
                postcode,
                "Ville",
                code,
                "active",
                self.rng.choice([1, 2, 2, 3, 4, 6]),
                "",
                "",
                "",
                "Europe/Paris",
                self.now,
                self.now,
            )
            self.antenna_ids.append(antenna_id)
            self.antenna_weights.append(1 / (1 + n % 200) ** 0.8)
            self.antenna_departments[antenna_id] = code
        antennas.close()
        return {"organizations": organizations.rows, "antennas": antennas.rows}

    def accounts(self) -> dict:
        options = self.options
        password = make_password("permanence-demo")
        users = Copier(
            "core_user",
            [
                "password",
                "last_login",
                "is_superuser",
                "email",
                "display_name",
                "phone",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            _next_id("core_user"),
        )
        tag = f"{self.now:%Y%m%d%H%M%S}"
        memberships = Copier(
            "core_antennamembership",
            ["antenna_id", "user_id", "role", "created_at"],
            _next_id("core_antennamembership"),
        )
        profiles = Copier(
            "team_volunteerprofile",
            ["user_id", "availability_notes", "charter_signed_on", "is_active", "calendar_token"],
            _next_id("team_volunteerprofile"),
        )
        self.volunteers_by_antenna: dict[int, list[int]] = {antenna_id: [] for antenna_id in self.antenna_ids}
        # One coordinator per antenna, then volunteers spread like the antennas' sizes.
        for n, antenna_id in enumerate(
            self.antenna_ids + self.weighted_antennas(max(options["volunteers"] - len(self.antenna_ids), 0))
        ):
            user_id = users.add(
                password, None, False, f"benevole{n}.{tag}@bench.test", f"Bénévole {n}", "", False, True, self.now
            )
            role = "coordinator" if n < len(self.antenna_ids) else "volunteer"
            memberships.add(antenna_id, user_id, role, self.now)
            profiles.add(user_id, "", self.today, True, f"bench-{tag}-{user_id}")
            self.volunteers_by_antenna[antenna_id].append(user_id)
        referrers = Copier(
            "core_referrer",
            ["user_id", "organization_id", "job_title", "is_active", "created_at"],
            _next_id("core_referrer"),
        )
        self.referrers = []
        for n in range(options["referrers"]):
            user_id = users.add(
                password,
                None,
                False,
                f"prescripteur{n}.{tag}@bench.test",
                f"Prescripteur {n}",
                "",
                False,
                True,
                self.now,
            )
            organization_id = self.social_services[n % len(self.social_services)]
            referrers.add(user_id, organization_id, "Assistante sociale", True, self.now)
            self.referrers.append((user_id, organization_id))
        self.admin_id = users.add(
            password, None, True, f"admin.{tag}@bench.test", "Admin bench", "", True, True, self.now
        )
        for copier in (users, memberships, profiles, referrers):
            copier.close()
        return {"accounts": users.rows, "memberships": memberships.rows, "referrers": referrers.rows}

    def schedule(self) -> dict:
        options = self.options
        permanences = Copier(
            "scheduling_permanence",
            [
                "antenna_id",
                "title",
                "kind",
                "level",
                "frequency",
                "interval_weeks",
                "weekday",
                "monthly_position",
                "start_time",
                "end_time",
                "slot_minutes",
                "whole_slots_only",
                "seats",
                "min_volunteers",
                "booking_mode",
                "valid_from",
                "valid_until",
                "is_active",
                "created_at",
                "updated_at",
            ],
            _next_id("scheduling_permanence"),
        )
        first_day = self.today - datetime.timedelta(weeks=options["past_weeks"])
        plan = []
        for n in range(options["permanences"]):
            antenna_id = self.antenna_ids[n % len(self.antenna_ids)]
            weekday = self.rng.randrange(5)
            start_hour = self.rng.choice([9, 10, 14])
            hours = self.rng.choice([1, 2, 3])
            seats = self.rng.choice([2, 2, 3, 4])
            workshop = n % 20 == 0
            permanence_id = permanences.add(
                antenna_id,
                f"Permanence {n}",
                "workshop" if workshop else "drop_in",
                "beginner" if workshop else "",
                "weekly",
                1,
                weekday,
                None,
                f"{start_hour}:00",
                f"{start_hour + hours}:00",
                60,
                False,
                8 if workshop else seats,
                1,
                "bookable",
                first_day,
                None,
                True,
                self.now,
                self.now,
            )
            plan.append((permanence_id, antenna_id, weekday, start_hour, hours, 8 if workshop else seats, workshop))
        permanences.close()
        occurrences = Copier(
            "scheduling_occurrence",
            [
                "permanence_id",
                "rule_date",
                "date",
                "starts_at",
                "ends_at",
                "status",
                "cancel_reason",
                "cancelled_at",
                "cancelled_by_id",
                "is_one_off",
                "is_detached",
                "needs_resolution",
                "created_at",
            ],
            _next_id("scheduling_occurrence"),
        )
        slots = Copier(
            "scheduling_slot", ["occurrence_id", "starts_at", "ends_at", "seats"], _next_id("scheduling_slot")
        )
        self.past_occurrences: dict[int, list[tuple[int, datetime.date, bool]]] = {
            antenna_id: [] for antenna_id in self.antenna_ids
        }
        self.seats = []  # (slot_id, date, past, occurrence_id, antenna_id) once per seat
        self.occurrence_hours = {}
        weeks = options["past_weeks"] + options["future_weeks"]
        for permanence_id, antenna_id, weekday, start_hour, hours, seats, workshop in plan:
            day = first_day + datetime.timedelta(days=(weekday - first_day.weekday()) % 7)
            for _week in range(weeks):
                start = datetime.datetime.combine(day, datetime.time(start_hour), tzinfo=PARIS)
                end = start + datetime.timedelta(hours=hours)
                cancelled = self.rng.random() < 0.02
                occurrence_id = occurrences.add(
                    permanence_id,
                    day,
                    day,
                    start,
                    end,
                    "cancelled" if cancelled else "scheduled",
                    "Fermeture exceptionnelle" if cancelled else "",
                    self.now if cancelled else None,
                    None,
                    False,
                    False,
                    False,
                    self.now,
                )
                past = day < self.today
                if not cancelled:
                    self.occurrence_hours[occurrence_id] = (antenna_id, hours, past)
                    if past:
                        self.past_occurrences[antenna_id].append((occurrence_id, day, workshop))
                    bounds = (
                        [(start, end)]
                        if workshop
                        else [
                            (start + datetime.timedelta(hours=h), start + datetime.timedelta(hours=h + 1))
                            for h in range(hours)
                        ]
                    )
                    for slot_start, slot_end in bounds:
                        slot_id = slots.add(occurrence_id, slot_start, slot_end, seats)
                        self.seats.extend([(slot_id, day, past, occurrence_id, antenna_id)] * seats)
                day += datetime.timedelta(weeks=1)
        occurrences.close()
        slots.close()
        return {"permanences": permanences.rows, "dates": occurrences.rows, "slots": slots.rows}

    def signups(self) -> dict:
        signups = Copier(
            "team_signup",
            ["occurrence_id", "volunteer_id", "created_at", "created_by_id"],
            _next_id("team_signup"),
        )
        for occurrence_id, (antenna_id, _hours, _past) in self.occurrence_hours.items():
            team = self.volunteers_by_antenna[antenna_id]
            for volunteer_id in self.rng.sample(team, min(len(team), self.rng.choice([1, 1, 2]))):
                signups.add(occurrence_id, volunteer_id, self.now, volunteer_id)
        signups.close()
        return {"sign-ups": signups.rows}

    def people(self) -> dict:
        people = Copier(
            "people_beneficiary",
            [
                "first_name",
                "last_name",
                "phone",
                "has_no_phone",
                "email",
                "birth_year",
                "postcode",
                "commune",
                "age_bracket",
                "gender",
                "social_status",
                "french_level",
                "has_email_address",
                "has_smartphone",
                "has_computer",
                "has_internet",
                "first_antenna_id",
                "created_at",
                "created_by_id",
                "updated_at",
            ],
            _next_id("people_beneficiary"),
        )
        consents = Copier(
            "people_consent",
            ["beneficiary_id", "method", "given_at", "recorded_by_id", "purpose", "withdrawn_at"],
            _next_id("people_consent"),
        )
        self.people_by_antenna: dict[int, list[int]] = {antenna_id: [] for antenna_id in self.antenna_ids}
        self.person_ids = []
        for n, antenna_id in enumerate(self.weighted_antennas(self.options["people"])):
            person_id = people.add(
                f"Prénom{n}",
                f"Nom{n}",
                f"+336{n % 100_000_000:08d}",
                False,
                "",
                1950 + n % 55,
                "",
                "",
                self.rng.choice(AGE),
                self.rng.choice(["woman", "man", "not_given"]),
                "not_given",
                "not_given",
                None,
                None,
                None,
                None,
                antenna_id,
                self.now,
                None,
                self.now,
            )
            consents.add(person_id, "oral", self.now, None, "Accompagnement numérique", None)
            self.people_by_antenna[antenna_id].append(person_id)
            self.person_ids.append(person_id)
        people.close()
        consents.close()
        return {"people": people.rows}

    def sheets(self) -> dict:
        topics = list(Topic.objects.values_list("pk", flat=True))
        sheets = Copier(
            "people_liaisonsheet",
            [
                "beneficiary_id",
                "referrer_id",
                "organization_id",
                "detail",
                "deadline",
                "language_id",
                "interpreter_needed",
                "accessibility_needs",
                "preferred_department",
                "reference",
                "status",
                "outcome",
                "created_at",
                "updated_at",
            ],
            _next_id("people_liaisonsheet"),
        )
        needs = Copier(
            "people_liaisonsheet_needs",
            ["liaisonsheet_id", "topic_id"],
            _next_id("people_liaisonsheet_needs"),
        )
        self.sheets_of: dict[int, int] = {}
        for n in range(self.options["sheets"]):
            person_id = self.rng.choice(self.person_ids)
            referrer_id, organization_id = self.rng.choice(self.referrers)
            sheet_id = sheets.add(
                person_id,
                referrer_id,
                organization_id,
                "",
                None,
                None,
                False,
                "",
                "",
                f"{n:08X}"[:4] + "-" + f"{n:08X}"[4:],
                "booked",
                "",
                self.now,
                self.now,
            )
            for topic_id in self.rng.sample(topics, self.rng.choice([1, 1, 2])):
                needs.add(sheet_id, topic_id)
            self.sheets_of.setdefault(person_id, sheet_id)
        sheets.close()
        needs.close()
        return {"liaison sheets": sheets.rows}

    def bookings(self) -> dict:
        count = min(self.options["bookings"], len(self.seats))
        bookings = Copier(
            "bookings_booking",
            [
                "slot_id",
                "beneficiary_id",
                "liaison_sheet_id",
                "channel",
                "status",
                "attendance",
                "checked_in_at",
                "created_at",
                "created_by_id",
                "cancelled_at",
                "cancel_reason",
            ],
            _next_id("bookings_booking"),
        )
        self.attended = []
        taken = set()
        expected_sheets: set[int | None] = set()
        # Each seat is drawn once at most: no slot ever holds more bookings than its seats.
        for slot_id, day, past, occurrence_id, antenna_id in self.rng.sample(self.seats, count):
            local = self.people_by_antenna[antenna_id] or self.person_ids
            person_id = self.rng.choice(local)
            if (slot_id, person_id) in taken:
                continue
            taken.add((slot_id, person_id))
            draw = self.rng.random()
            channel = "referral" if draw < 0.6 else "phone" if draw < 0.85 else "walk_in"
            sheet_id = self.sheets_of.get(person_id) if channel == "referral" else None
            referrer = self.rng.choice(self.referrers)[0] if channel == "referral" else None
            cancelled = self.rng.random() < 0.08
            attendance = "expected"
            if past and not cancelled:
                attendance = "attended" if self.rng.random() < 0.85 else "no_show"
            if sheet_id is not None and not cancelled and attendance == "expected":
                # A sheet holds one appointment still expected at most (a database constraint).
                if sheet_id in expected_sheets:
                    sheet_id = None
                expected_sheets.add(sheet_id)
            booking_id = bookings.add(
                slot_id,
                person_id,
                sheet_id,
                channel,
                "cancelled" if cancelled else "active",
                attendance,
                None,
                self.now,
                referrer,
                self.now if cancelled else None,
                "",
            )
            if attendance == "attended":
                self.attended.append((booking_id, person_id, day, occurrence_id, antenna_id))
        bookings.close()
        return {"bookings": bookings.rows}

    def sessions(self) -> dict:
        topics = list(Topic.objects.values_list("pk", flat=True))
        logs = Copier(
            "desk_sessionlog",
            [
                "antenna_id",
                "occurrence_id",
                "booking_id",
                "date",
                "is_workshop",
                "level",
                "beneficiary_id",
                "age_bracket",
                "gender",
                "social_status",
                "commune",
                "anonymous_participants",
                "duration_minutes",
                "autonomy",
                "used_computer",
                "used_phone",
                "used_tablet",
                "used_other_equipment",
                "outcome",
                "redirected_to",
                "next_step",
                "summary",
                "private_note",
                "created_at",
                "created_by_id",
            ],
            _next_id("desk_sessionlog"),
        )
        log_topics = Copier(
            "desk_sessionlog_topics", ["sessionlog_id", "topic_id"], _next_id("desk_sessionlog_topics")
        )
        log_volunteers = Copier(
            "desk_sessionlog_volunteers",
            ["sessionlog_id", "user_id"],
            _next_id("desk_sessionlog_volunteers"),
        )
        vouchers = Copier("desk_voucher", ["session_log_id", "number"], _next_id("desk_voucher"))
        target = self.options["sessions"]
        from_bookings = self.attended[:target]
        rows: list[tuple[int | None, int | None, datetime.date, int, int, bool]] = [
            (booking_id, person_id, day, occurrence_id, antenna_id, False)
            for booking_id, person_id, day, occurrence_id, antenna_id in from_bookings
        ]
        # The rest: people helped without a booking, on past dates of their antennas.
        antennas = self.weighted_antennas(max(target - len(rows), 0))
        for antenna_id in antennas:
            dates = self.past_occurrences[antenna_id]
            if not dates:
                continue
            occurrence_id, day, workshop = self.rng.choice(dates)
            anonymous = self.rng.random() < 0.25
            person_id = None if anonymous else self.rng.choice(self.people_by_antenna[antenna_id] or self.person_ids)
            rows.append((None, person_id, day, occurrence_id, antenna_id, workshop))
        voucher_number = 0
        for booking_id, person_id, day, occurrence_id, antenna_id, workshop in rows:
            team = self.volunteers_by_antenna[antenna_id]
            outcome = self.rng.choice(OUTCOMES)
            log_id = logs.add(
                antenna_id,
                occurrence_id,
                booking_id,
                day,
                workshop,
                "beginner" if workshop else "",
                None if workshop else person_id,
                "" if person_id else self.rng.choice(AGE),
                "",
                "",
                "",
                self.rng.randrange(2, 6) if workshop else 0,
                self.rng.choice([30, 45, 60, 60, 60, 90]),
                self.rng.choice(AUTONOMY),
                True,
                self.rng.random() < 0.3,
                False,
                False,
                outcome,
                "france_services" if outcome == "redirected" else "",
                "",
                "",
                "",
                self.now,
                team[0],
            )
            for topic_id in self.rng.sample(topics, self.rng.choice([1, 1, 2])):
                log_topics.add(log_id, topic_id)
            log_volunteers.add(log_id, self.rng.choice(team))
            if self.rng.random() < 0.03:
                voucher_number += 1
                vouchers.add(log_id, f"APTIC-{self.now:%y%m%d%H%M%S}-{voucher_number:08d}")
        for copier in (logs, log_topics, log_volunteers, vouchers):
            copier.close()
        return {"session logs": logs.rows, "session topics": log_topics.rows, "vouchers": vouchers.rows}

    def access_log(self) -> dict:
        """A year of the personal-data access log: people, sheets and session logs viewed or
        changed by the antennas' members and the referrers, and a few exports by the admin.
        Reads the ids it needs from the database, so it also runs on its own (--access-log-only)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT user_id, role FROM core_antennamembership")
            members = cursor.fetchall()
            cursor.execute("SELECT user_id FROM core_referrer")
            members += [(user_id, "referrer") for (user_id,) in cursor.fetchall()]
            cursor.execute("SELECT MIN(id), MAX(id) FROM people_beneficiary")
            first_person, last_person = cursor.fetchone()
            cursor.execute("SELECT MIN(id), MAX(id) FROM people_liaisonsheet")
            first_sheet, last_sheet = cursor.fetchone()
            cursor.execute("SELECT id FROM core_user WHERE is_superuser ORDER BY id LIMIT 1")
            admin = cursor.fetchone()
        if not members or first_person is None:
            return {"access log entries": 0}
        entries = Copier(
            "core_accesslog",
            [
                "user_id",
                "role",
                "action",
                "object_kind",
                "object_id",
                "what",
                "beneficiary_id",
                "detail",
                "created_at",
            ],
            _next_id("core_accesslog"),
        )
        seconds_in_year = 365 * 24 * 3600
        for _n in range(self.options["access_logs"]):
            when = self.now - datetime.timedelta(seconds=self.rng.randrange(seconds_in_year))
            person_id = self.rng.randint(first_person, last_person)
            if admin and self.rng.random() < 0.001:
                detail = '{"kind": "sessions", "rows": 1000, "format": "csv"}'
                entries.add(admin[0], "admin", "export", "report", None, "sessions export", None, detail, when)
                continue
            user_id, role = self.rng.choice(members)
            if role == "referrer" and first_sheet is not None and self.rng.random() < 0.5:
                sheet_id = self.rng.randint(first_sheet, last_sheet)
                entries.add(
                    user_id,
                    role,
                    "view",
                    "liaison_sheet",
                    sheet_id,
                    f"Liaison sheet #{sheet_id}",
                    person_id,
                    "{}",
                    when,
                )
                continue
            action = "change" if self.rng.random() < 0.2 else "view"
            entries.add(user_id, role, action, "person", person_id, f"Person #{person_id}", person_id, "{}", when)
        entries.close()
        return {"access log entries": entries.rows}
