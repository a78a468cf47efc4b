"""Rules that mark read for a person: "every night, mark Tech older than 7 days read".

A rule is a row of ``bulk_operation_rules`` (ours, additive, on both backends, created when a
person first adds a rule — never when a database is merely opened): its user, a scope (a
category, a feed or everything), an age by arrival or publication date, a schedule (every N
seconds, or daily at HH:MM in the time zone of whoever added it), enabled or not, its last job
and its next run (UTC text, from the one clock).

A run is an ordinary mark-read job whose parameters name the rule (``rule_id``, ``rule``).
Running a rule is claim, count, record: a guarded ``UPDATE … WHERE`` claims it (owner and lease,
like a job's claim), and one write transaction inserts the job and moves the rule on only while
the claim is still this engine's, so one rule never makes two jobs for one run, whichever
processes and machines race for it. The next run is computed from the moment of the run, so
periods missed while nothing ran are caught up once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peewee import AutoField, BooleanField, CharField, IntegerField, TextField

from .clock import now, parse_db_text, to_db_text
from .job_requests import JobRequestError, check_published_dates, check_targets_exist, positive_int
from .job_types import MARK_READ_BY_SCOPE
from .jobs_table import insert_job, write_transaction
from .models import BaseModel, BulkOperationJob, Category, Feed, database_proxy
from .scopes import AGE_BY, Scope

if TYPE_CHECKING:
    import pendulum

RULE_SCOPES = ("category", "feed", "all")  # a job's scopes ("uncategorized" has no job type)
LEASE_SECONDS = 120.0  # a claim not turned into a job by then may be taken by another engine
AGE_TEXT = re.compile(r"^(\d+)\s*([mhdw])$")
AGE_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60}
DAILY_TEXT = re.compile(r"^(\d{1,2}):(\d{2})$")
MAX_SECONDS = 100 * 365 * 86400  # a century: anything longer is a typo, and out of dates' range


class MarkReadRule(BaseModel):
    id = AutoField()
    user_id = IntegerField()
    name = TextField()
    scope_kind = CharField(max_length=20)  # RULE_SCOPES
    target_id = IntegerField(null=True)  # the category or feed
    age_seconds = IntegerField()
    age_by = CharField(max_length=20, default="received")  # scopes.AGE_BY
    every_seconds = IntegerField(null=True)  # schedule: every N seconds, or
    daily_at = CharField(max_length=5, null=True)  # daily at "HH:MM" in
    time_zone = TextField(null=True)  # this zone (the one of whoever added the rule)
    enabled = BooleanField(default=True)
    last_job_id = IntegerField(null=True)
    last_run_at = TextField(null=True)
    next_run_at = TextField()
    claimed_by = TextField(null=True)  # the engine turning a run into its job, until
    claimed_until = TextField(null=True)  # this moment (its lease)
    created_at = TextField()

    class Meta:
        table_name = "bulk_operation_rules"


class RuleNotFound(LookupError):
    def __init__(self, rule_id):
        super().__init__(f"rule {rule_id} not found")
        self.rule_id = rule_id


class ClaimLost(Exception):
    """Another engine took the rule's claim (its lease ran out) or the rule went: no job."""


@dataclass(frozen=True)
class Rule:
    """A plain snapshot of one rule row, safe to hand between threads."""

    id: int
    user_id: int
    name: str
    scope_kind: str
    target_id: int | None
    age_seconds: int
    age_by: str
    every_seconds: int | None
    daily_at: str | None
    time_zone: str | None
    enabled: bool
    last_job_id: int | None
    last_run_at: str | None
    next_run_at: str
    claimed_by: str | None = None
    claimed_until: str | None = None

    @classmethod
    def from_row(cls, row: MarkReadRule) -> Rule:
        return cls(row.id, row.user_id, row.name, row.scope_kind, row.target_id,
                   row.age_seconds, row.age_by, row.every_seconds, row.daily_at, row.time_zone,
                   bool(row.enabled), row.last_job_id, row.last_run_at, row.next_run_at,
                   row.claimed_by, row.claimed_until)

    @property
    def age(self) -> str:
        return age_text(self.age_seconds)

    @property
    def schedule(self) -> str:
        """"every 1d", "daily at 03:00 (Europe/Paris)"."""
        if self.daily_at:
            return f"daily at {self.daily_at} ({self.time_zone or 'UTC'})"
        return f"every {age_text(self.every_seconds or 0)}"

    def job_request(self, moment: pendulum.DateTime) -> tuple[str, dict]:
        """(job_type, parameters) of this rule's run at ``moment``."""
        job_type, parameters = MARK_READ_BY_SCOPE[self.scope_kind].request(self.target_id)
        parameters["older_than"] = to_db_text(moment.subtract(seconds=self.age_seconds))
        if self.age_by == "published":
            parameters["by"] = "published"
        return job_type, {**parameters, "rule_id": self.id, "rule": self.name}


# -- what a person types --------------------------------------------------------------------

def age_seconds(text: str, what: str = "age") -> int:
    """'7d' -> 604800 (units m, h, d, w); JobRequestError naming the text otherwise."""
    match = AGE_TEXT.match(str(text).strip().lower())
    if not match:
        raise JobRequestError(f"{what} {text!r} is not an age like 30m, 12h, 7d or 2w")
    seconds = int(match.group(1)) * AGE_UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise JobRequestError(f"{what} {text!r} must be longer than zero")
    if seconds > MAX_SECONDS:
        raise JobRequestError(f"{what} {text!r} is longer than a century")
    return seconds


def age_text(seconds: int) -> str:
    """604800 -> '1w', 90000 -> '25h': the largest unit that divides it."""
    for unit, size in AGE_UNIT_SECONDS.items():
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def daily_time(text: str) -> str:
    """'3:05' -> '03:05'; JobRequestError for anything that is no time of day (25:99)."""
    match = DAILY_TEXT.match(str(text).strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise JobRequestError(f"{text!r} is not a time of day like 03:00 (00:00 to 23:59)")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def zone_of(name: str | None):
    import pendulum  # here: a small job never needs it (clock.py)

    try:
        return pendulum.timezone(name or "UTC")
    except Exception:  # a zone this machine does not know: UTC, rather than never running
        return pendulum.timezone("UTC")


def next_run(every_seconds: int | None, daily_at: str | None, time_zone: str | None,
             after: pendulum.DateTime) -> pendulum.DateTime:
    """The first moment of the schedule after ``after`` (a run at ``after``: periods missed
    before it are not owed)."""
    if daily_at:
        hour, minute = map(int, daily_at.split(":"))
        local = after.in_timezone(zone_of(time_zone))
        moment = local.set(hour=hour, minute=minute, second=0, microsecond=0)
        if moment <= local:
            moment = moment.add(days=1)  # the same wall-clock time the next day (DST too)
        return moment.in_timezone("UTC")
    return after.add(seconds=every_seconds)


# -- rows --------------------------------------------------------------------------------

def rules_table_exists() -> bool:
    return MarkReadRule.table_exists()


def ensure_rules_table(backend) -> None:
    """Create the rules table if it is missing (when a person adds a rule; nothing else)."""
    if MarkReadRule.table_exists():
        return
    db = database_proxy.obj
    with backend.schema_transaction(db):
        db.create_tables([MarkReadRule], safe=True)


def check_rule(user_id: int, scope_kind: str, target_id: int | None, age: int, by: str,
               every_seconds: int | None, daily_at: str | None) -> None:
    """Raise JobRequestError unless such a rule makes sense here. Reads only."""
    positive_int(user_id, "user id")
    if scope_kind not in RULE_SCOPES:
        raise JobRequestError(f"a rule's scope is one of {', '.join(RULE_SCOPES)}, "
                              f"not {scope_kind!r}")
    if scope_kind != "all":
        positive_int(target_id, f"{scope_kind} id")
    for value, what in ((age, "age"), (every_seconds, "period")):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 0 < value <= MAX_SECONDS):
            raise JobRequestError(f"a rule's {what} must be from 1 second to a century, "
                                  f"not {value!r}")
    if by not in AGE_BY:
        raise JobRequestError(f"by must be one of {', '.join(AGE_BY)}, not {by!r}")
    if (every_seconds is None) == (daily_at is None):
        raise JobRequestError("a rule runs either every so often or daily at a time")
    if daily_at is not None:
        daily_time(daily_at)
    check_targets_exist(user_id, Scope(scope_kind, target_id))
    if by == "published":
        check_published_dates()


def default_name(scope_kind: str, target_id: int | None, age: int) -> str:
    """"Tech older than 7d", "All articles older than 2w"."""
    if scope_kind == "category":
        label = Category.get_by_id(target_id).name
    elif scope_kind == "feed":
        label = Feed.get_by_id(target_id).title
    else:
        label = "All articles"
    return f"{label} older than {age_text(age)}"


def insert_rule(backend, user_id: int, scope_kind: str, target_id: int | None, age: int,
                by: str = "received", *, every_seconds: int | None = None,
                daily_at: str | None = None, time_zone: str | None = None,
                name: str | None = None) -> Rule:
    """Check and write a new rule, due at once; nothing is written if it makes no sense (the
    table is created by the caller, ensure_rules_table, once the request is checked)."""
    with write_transaction(backend):
        check_rule(user_id, scope_kind, target_id, age, by, every_seconds, daily_at)
        stamp = to_db_text(now())
        row = MarkReadRule.create(
            user_id=user_id, scope_kind=scope_kind,
            target_id=None if scope_kind == "all" else target_id, age_seconds=age, age_by=by,
            every_seconds=every_seconds, daily_at=daily_at and daily_time(daily_at),
            time_zone=time_zone if daily_at else None, enabled=True,
            name=(name or "").strip() or default_name(scope_kind, target_id, age),
            next_run_at=stamp, created_at=stamp)
    return Rule.from_row(row)


def update_rule(backend, user_id: int, rule_id: int, scope_kind: str, target_id: int | None,
                age: int, by: str = "received", *, every_seconds: int | None = None,
                daily_at: str | None = None, time_zone: str | None = None,
                name: str | None = None) -> Rule:
    """Change what a rule does and when. Its next run is the new schedule applied to its last
    run (due at once if that went by; a rule that never ran stays due)."""
    with write_transaction(backend):
        rule = get_rule(user_id, rule_id)
        check_rule(user_id, scope_kind, target_id, age, by, every_seconds, daily_at)
        daily_at = daily_at and daily_time(daily_at)
        following = rule.next_run_at
        if rule.last_run_at:
            following = to_db_text(next_run(every_seconds, daily_at, time_zone,
                                            parse_db_text(rule.last_run_at)))
        MarkReadRule.update(
            scope_kind=scope_kind, target_id=None if scope_kind == "all" else target_id,
            age_seconds=age, age_by=by, every_seconds=every_seconds, daily_at=daily_at,
            time_zone=time_zone if daily_at else None, next_run_at=following,
            name=(name or "").strip() or default_name(scope_kind, target_id, age)).where(
            MarkReadRule.id == rule_id).execute()
        return get_rule(user_id, rule_id)


def list_rules(user_id: int) -> list[Rule]:
    """The user's rules, oldest first (none before the table exists)."""
    if not rules_table_exists():
        return []
    query = MarkReadRule.select().where(MarkReadRule.user_id == user_id)
    return [Rule.from_row(row) for row in query.order_by(MarkReadRule.id)]


def get_rule(user_id: int, rule_id: int) -> Rule:
    """The user's rule; another user's is "not found" too."""
    row = (MarkReadRule.get_or_none((MarkReadRule.id == rule_id)
                                    & (MarkReadRule.user_id == user_id))
           if rules_table_exists() else None)
    if row is None:
        raise RuleNotFound(rule_id)
    return Rule.from_row(row)


def remove_rule(backend, user_id: int, rule_id: int) -> None:
    with write_transaction(backend):
        get_rule(user_id, rule_id)
        MarkReadRule.delete().where(MarkReadRule.id == rule_id).execute()


def set_rule_enabled(backend, user_id: int, rule_id: int, enabled: bool) -> Rule:
    """Enable or disable a rule. Enabled again, a rule whose next run went by is due at once
    (once, however many runs it missed)."""
    with write_transaction(backend):
        get_rule(user_id, rule_id)
        MarkReadRule.update(enabled=enabled).where(MarkReadRule.id == rule_id).execute()
        return get_rule(user_id, rule_id)


def due_rules(moment: pendulum.DateTime) -> list[Rule]:
    """Enabled rules whose next run is at or before ``moment`` and whose last job is finished
    (a rule's runs never overlap: a run still going defers the next). Reads only."""
    if not rules_table_exists():
        return []
    rows = [Rule.from_row(row) for row in MarkReadRule.select().where(
        (MarkReadRule.enabled == True) & (MarkReadRule.next_run_at <= to_db_text(moment)))  # noqa: E712
            .order_by(MarkReadRule.next_run_at)]
    return [rule for rule in rows if not last_job_unfinished(rule)]


def last_job_unfinished(rule: Rule) -> bool:
    if rule.last_job_id is None:
        return False
    status = (BulkOperationJob.select(BulkOperationJob.status)
              .where(BulkOperationJob.id == rule.last_job_id).scalar())
    return status in ("pending", "running")


def next_due_at() -> pendulum.DateTime | None:
    """When the next enabled rule is due (None: no rule, or no table)."""
    if not rules_table_exists():
        return None
    text = (MarkReadRule.select(MarkReadRule.next_run_at)
            .where(MarkReadRule.enabled == True)  # noqa: E712
            .order_by(MarkReadRule.next_run_at).limit(1).scalar())
    return parse_db_text(text) if text else None


def claim_rule(backend, rule_id: int, owner: str, *, due: bool = True,
               takeable_from: str | None = None) -> bool:
    """Claim a rule for one run, if it is still free (unclaimed, its lease over, or claimed by
    ``takeable_from``, an engine known gone) and, with ``due``, still enabled and due. One
    guarded UPDATE: of engines racing for a rule, exactly one gets it."""
    moment = now()
    stamp = to_db_text(moment)
    free = (MarkReadRule.claimed_by.is_null() | (MarkReadRule.claimed_until < stamp))
    if takeable_from:
        free |= MarkReadRule.claimed_by == takeable_from
    condition = (MarkReadRule.id == rule_id) & free
    if due:
        condition &= (MarkReadRule.enabled == True) & (MarkReadRule.next_run_at <= stamp)  # noqa: E712
    with write_transaction(backend):
        return MarkReadRule.update(
            claimed_by=owner,
            claimed_until=to_db_text(moment.add(seconds=LEASE_SECONDS))).where(
            condition).execute() == 1


def release_rule(backend, rule_id: int, owner: str) -> None:
    """Give up a claim without a run (the run could not be made; tried again later)."""
    with write_transaction(backend):
        MarkReadRule.update(claimed_by=None, claimed_until=None).where(
            (MarkReadRule.id == rule_id) & (MarkReadRule.claimed_by == owner)).execute()


def record_run(backend, rule: Rule, owner: str, watermark: int, total: int,
               moment: pendulum.DateTime):
    """Insert the rule's job for its run at ``moment`` and move the rule on (last job, next
    run, claim released), in one transaction, only while the claim is still ``owner``'s:
    otherwise ClaimLost and nothing is written. Returns the job (JobRecord)."""
    job_type, parameters = rule.job_request(moment)
    with write_transaction(backend):
        job = insert_job(backend, job_type, rule.user_id, parameters, watermark, total)
        following = next_run(rule.every_seconds, rule.daily_at, rule.time_zone, now())
        moved = MarkReadRule.update(
            last_job_id=job.id, last_run_at=to_db_text(now()),
            next_run_at=to_db_text(following), claimed_by=None, claimed_until=None).where(
            (MarkReadRule.id == rule.id) & (MarkReadRule.claimed_by == owner)).execute()
        if moved != 1:
            raise ClaimLost(f"rule {rule.id} was taken by another engine or removed")
    return job
