"""``rss-desktop rules …``: the person's rules that mark read on a schedule (add, list, run,
remove, enable, disable), on the same engine as every other command (desktop/jobs/rules.py).

Registered by cli.py. Arguments are checked by argparse types before anything is opened (one
line, exit 2); a scope id, user or rule that does not exist is one line and exit 2 too, with
nothing written (the rules table is created only by the first rule added).
"""

from __future__ import annotations

import argparse
import json
import sys

from . import cli as base

SUBCOMMANDS = ("add", "list", "run", "remove", "enable", "disable")


def rule_age(text: str) -> int:
    """An age or period like 7d, as seconds (argparse type)."""
    from .jobs.api import JobRequestError, age_seconds

    try:
        return age_seconds(text)
    except JobRequestError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def time_of_day(text: str) -> str:
    from .jobs.api import JobRequestError, daily_time

    try:
        return daily_time(text)
    except JobRequestError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_rules_commands(commands, with_database) -> None:
    """``rules`` and its sub-commands, on the parser's sub-parsers (``with_database`` adds
    --database, --user, -v and -q as every other command has them)."""
    rules = commands.add_parser(
        "rules", help="rules that mark a scope's old articles read on a schedule (as jobs)")
    sub = rules.add_subparsers(dest="rules_command", metavar="RULES_COMMAND", required=True)

    add = with_database(sub.add_parser(
        "add", help="add a rule (due at once: rss-desktop work runs it, then on schedule)"))
    target = add.add_mutually_exclusive_group(required=True)
    target.add_argument("--category", type=base.positive_int, metavar="ID")
    target.add_argument("--feed", type=base.positive_int, metavar="ID")
    target.add_argument("--all", action="store_true", help="every article")
    add.add_argument("--older-than", type=rule_age, metavar="AGE", required=True,
                     help="articles older than AGE (30m, 12h, 7d, 2w) at each run")
    add.add_argument("--by", choices=("received", "published"), default="received",
                     help="the age by arrival (default) or by publication date (arrival "
                          "where an article has none)")
    when = add.add_mutually_exclusive_group(required=True)
    when.add_argument("--every", type=rule_age, metavar="AGE", help="run every AGE (1h, 1d…)")
    when.add_argument("--daily", type=time_of_day, metavar="HH:MM",
                      help="run daily at HH:MM, this machine's local time")
    add.add_argument("--name", metavar="TEXT", help="what the rule and its jobs are called")
    add.add_argument("--json", action="store_true", help="print the rule as a JSON object")

    listing = with_database(sub.add_parser("list", help="the user's rules"))
    listing.add_argument("--json", action="store_true", help="machine-readable output")

    run = with_database(sub.add_parser(
        "run", help="run a rule now, with a progress bar (its schedule starts again from now)"))
    run.add_argument("rule_id", type=base.positive_int, metavar="RULE_ID")
    base.running_options(run)

    for name, words in (("remove", "remove a rule (its jobs stay, undoable)"),
                        ("enable", "run a rule on its schedule again (a run missed: at once)"),
                        ("disable", "stop running a rule on its schedule")):
        command = with_database(sub.add_parser(name, help=words))
        command.add_argument("rule_id", type=base.positive_int, metavar="RULE_ID")


async def cmd_rules(args) -> int:
    from .jobs.api import RuleNotFound

    try:
        return await RULE_COMMANDS[args.rules_command](args)
    except RuleNotFound as exc:
        raise base.BadInput(f"{exc} for user {args.user} in {args.database}") from None


async def cmd_add(args) -> int:
    scope_kind, target = (("category", args.category) if args.category else
                          ("feed", args.feed) if args.feed else ("all", None))
    async with base.engine(args.database) as manager:
        rule = await manager.add_rule(args.user, scope_kind, target, args.older_than, args.by,
                                      every_seconds=args.every, daily_at=args.daily,
                                      name=args.name)
        labels = await scope_labels(manager, [rule])
    if args.json:
        print(json.dumps(shown(rule, labels), indent=2))
    else:
        print(rule.id)
        print(f"rule {rule.id} added: {rule.name} ({labels[rule.id]}, older than {rule.age} by "
              f"{rule.age_by}, {rule.schedule}); due now: rss-desktop work runs it",
              file=sys.stderr)
    return base.EXIT_OK


async def cmd_list(args) -> int:
    async with base.engine(args.database) as manager:
        if args.user not in dict(await manager.users()):
            raise base.BadInput(f"user {args.user} does not exist in {args.database}")
        rules = await manager.list_rules(args.user)
        labels = await scope_labels(manager, rules)
    if args.json:
        print(json.dumps([shown(rule, labels) for rule in rules], indent=2))
        return base.EXIT_OK
    if not rules:
        print("no rules", file=sys.stderr)
        return base.EXIT_OK
    print(f"{'ID':>4}  {'ON':<3}  {'SCOPE':<24}  {'OLDER THAN':<16}  {'SCHEDULE':<28}  "
          f"{'LAST JOB':>8}  {'NEXT RUN (UTC)':<19}  NAME")
    for rule in rules:
        age = f"{rule.age} {rule.age_by}"
        print(f"{rule.id:>4}  {'yes' if rule.enabled else 'no':<3}  {labels[rule.id][:24]:<24}  "
              f"{age:<16}  {rule.schedule[:28]:<28}  {rule.last_job_id or '-':>8}  "
              f"{rule.next_run_at:<19}  {rule.name}")
    return base.EXIT_OK


async def cmd_run(args) -> int:
    async def run(manager):
        return await manager.run_rule_now(args.user, args.rule_id, run=False)

    return await base._run_here(args, run)


async def cmd_remove(args) -> int:
    async with base.engine(args.database) as manager:
        await manager.remove_rule(args.user, args.rule_id)
    print(f"rule {args.rule_id} removed (its jobs stay, and can be undone)", file=sys.stderr)
    return base.EXIT_OK


async def cmd_enable(args, enabled: bool = True) -> int:
    async with base.engine(args.database) as manager:
        rule = await manager.set_rule_enabled(args.user, args.rule_id, enabled)
    state = f"enabled, next run {rule.next_run_at} UTC" if enabled else "disabled"
    print(f"rule {rule.id} {state}", file=sys.stderr)
    return base.EXIT_OK


async def cmd_disable(args) -> int:
    return await cmd_enable(args, enabled=False)


RULE_COMMANDS = {"add": cmd_add, "list": cmd_list, "run": cmd_run, "remove": cmd_remove,
                 "enable": cmd_enable, "disable": cmd_disable}


async def scope_labels(manager, rules) -> dict[int, str]:
    """{rule id: "Category: Tech"} — the scope as the jobs' labels name it."""
    from types import SimpleNamespace

    from .jobs.api import MARK_READ_BY_SCOPE, describe_job

    categories, feeds = await manager.scope_names() if rules else ({}, {})
    labels = {}
    for rule in rules:  # (the job a run creates, described by the one describer)
        job_type, parameters = MARK_READ_BY_SCOPE[rule.scope_kind].request(rule.target_id)
        labels[rule.id] = describe_job(SimpleNamespace(job_type=job_type, parameters=parameters),
                                       categories, feeds)
    return labels


def shown(rule, labels) -> dict:
    """A rule as ``--json`` prints it."""
    return {"id": rule.id, "user_id": rule.user_id, "name": rule.name,
            "scope": {"kind": rule.scope_kind, "id": rule.target_id, "label": labels[rule.id]},
            "age": rule.age, "age_seconds": rule.age_seconds, "by": rule.age_by,
            "schedule": {"every_seconds": rule.every_seconds, "daily_at": rule.daily_at,
                         "time_zone": rule.time_zone, "text": rule.schedule},
            "enabled": rule.enabled, "last_job_id": rule.last_job_id,
            "last_run_at": rule.last_run_at, "next_run_at": rule.next_run_at}
