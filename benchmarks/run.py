"""What a `relance-cal sync` costs, against what the common tools pay (issues 7 and 9).

    python benchmarks/run.py [--quick] [--sizes 1000,10000,50000] [--repeat 5]
                             [--backends ics,caldav,google] [--output docs/benchmarks.md]
    python benchmarks/run.py --only caldav-future [--repeat 3]

The full run (CalDAV at 50,000 events) also measures the first sync of a 50,000-event
calendar mostly in the future (issue 14); `--only caldav-future` measures it alone and
puts its target row and section into the existing --output in place.

Needs the test extra (`pip install -e ".[test]"`: Radicale) and, for its baseline,
vdirsyncer (`pip install vdirsyncer`; the rows are skipped with a note without it).
Every measure is a whole process, as cron runs it: `relance-cal sync` and each baseline
script (benchmarks/bare.py) are timed from spawn to exit (median of --repeat runs),
their requests and bytes counted by a relay in front of the server, their peak RSS
read from the kernel. Radicale's item cache of a fresh calendar takes minutes to build
(about 12 ms per event here); it is kept in --workdir and reused by the next runs.
"""

from __future__ import annotations

import argparse
import base64
import gc
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import calendars  # noqa: E402
import servers  # noqa: E402
from servers import Counts  # noqa: E402

BIN = Path(sys.executable).parent
RELANCE = BIN / "relance-cal"
BARE = HERE / "bare.py"
GENERATION = "1"  # bump when calendars.py changes what it generates: the stored copies go
PASSWORD_ENV = "BENCH_DAV_PASSWORD"


def window() -> tuple[datetime, datetime]:
    from relance_cal import policy
    from relance_cal.config import PolicySettings

    return policy.window(calendars.NOW, PolicySettings())


# --- measuring -----------------------------------------------------------------------------


def base_env() -> dict[str, str]:
    """The environment of every measured process: no relance-cal settings, and bytecode
    caching on (as after a pip install) whatever the calling shell says."""
    drop = ("RELANCE_CAL", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


@dataclass
class Sample:
    seconds: float
    rss_mb: float
    counts: Counts
    source: tuple[int, int] | None = None  # (reads, writes) on the source calendar (CalDAV)


@dataclass
class Measure:
    label: str
    samples: list[Sample] = field(default_factory=list)
    note: str = ""

    @property
    def seconds(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def rss_mb(self) -> float:
        return max(s.rss_mb for s in self.samples)

    def spread(self, value: Callable[[Counts], int]) -> tuple[int, int]:
        values = [value(s.counts) for s in self.samples]
        return min(values), max(values)

    @property
    def requests(self) -> tuple[int, int]:
        return self.spread(lambda c: c.requests)

    @property
    def reads(self) -> tuple[int, int]:
        return self.spread(lambda c: c.reads)

    @property
    def writes(self) -> tuple[int, int]:
        return self.spread(lambda c: c.writes)

    @property
    def transferred(self) -> float:
        return statistics.median(s.counts.transferred for s in self.samples)

    @property
    def source_reads(self) -> tuple[int, int] | None:
        if any(s.source is None for s in self.samples):
            return None
        reads = [s.source[0] for s in self.samples]  # type: ignore[index]
        return min(reads), max(reads)


# A process forked from this one (large: it holds the calendars and the Google emulator)
# would report this one's memory as its own peak: a small launcher starts each measured
# process and reports its wall time and peak RSS.
_LAUNCHER = """
import os, sys, time
began = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - began
with open(sys.argv[1], "w") as f:
    f.write(f"{seconds} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def spawn(args: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, float]:
    """Run a process to its end: (wall seconds, peak RSS in MB). Fails loudly on an error."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as result,
    ):
        launcher = [sys.executable, "-c", _LAUNCHER, result.name, *args]
        subprocess.run(launcher, stdout=out, stderr=err, env=env, cwd=cwd, check=True)
        seconds, rss_kb, code = result.read().split()
        if int(code) != 0:
            err.seek(0)
            out.seek(0)
            raise RuntimeError(
                f"{' '.join(args)} exited {code}:\n{out.read().decode()}\n{err.read().decode()}"
            )
    return float(seconds), int(rss_kb) / 1024


class Scenario:
    """One backend at one calendar size: how to reset it, change it, count its traffic."""

    backend = ""
    source: str | None = None  # the source calendar's path, when requests go to a server
    bare_label: str | None = None  # the bare incremental read of this backend, if any

    def incremental_token(self) -> str:
        """The server's sync token now (asked directly, not counted)."""
        raise NotImplementedError

    def bare_incremental(self, token: str) -> Sample:
        """The bare script reading what changed since `token`."""
        raise NotImplementedError

    def __init__(self, size: int, events: list[calendars.Event], home: Path) -> None:
        self.size = size
        self.events = events
        self.home = home
        self.interview = calendars.interview_to_change(events)
        home.mkdir(parents=True, exist_ok=True)
        self.config = home / "config.toml"
        self.state = home / "state"

    def env(self) -> dict[str, str]:
        env = base_env()
        env.update(
            XDG_STATE_HOME=str(self.state),
            XDG_CONFIG_HOME=str(self.home / "config"),
            RELANCE_CAL_NOW=calendars.NOW.isoformat(),
        )
        env[PASSWORD_ENV] = servers.PASSWORD
        return env

    def reset(self) -> None:
        """Back to the calendar as generated, no state: the next sync is a first sync."""
        shutil.rmtree(self.state, ignore_errors=True)

    def change(self, round_: int) -> None:
        """Edit the interview from another client (round_ makes each edit different)."""

    def start_counting(self) -> None:
        self.take()

    def take(self) -> Counts:
        return Counts()

    def sync(self, *options: str) -> Sample:
        return self.sample([str(RELANCE), "--config", str(self.config), "sync", *options])

    def bare(self, *args: str) -> Sample:
        return self.sample([sys.executable, str(BARE), *args])

    def sample(self, args: list[str]) -> Sample:
        self.start_counting()
        seconds, rss = spawn(args, self.env())
        counts = self.take()
        source = counts.on(self.source) if self.source else None
        return Sample(seconds, rss, counts, source)

    def baselines(self, repeat: int, issue9: bool) -> list[Measure]:
        return []

    def close(self) -> None:
        pass


def slow(repeat: int, size: int) -> int:
    """Runs of a baseline that takes most of a minute on the largest calendar."""
    return repeat if size <= 10_000 else 1


def measure(
    label: str, repeat: int, run: Callable[[], Sample], before: Callable[[int], None] | None = None
) -> Measure:
    result = Measure(label)
    for round_ in range(repeat):
        if before is not None:
            before(round_)
        result.samples.append(run())
    methods = [m for m, _, _ in result.samples[-1].counts.calls]
    calls = " ".join(f"{m}x{methods.count(m)}" for m in dict.fromkeys(methods))
    print(
        f"    {label}: {result.seconds:.2f} s, requests {_span(result.requests)} {calls}",
        flush=True,
    )
    return result


def reads_of_first_sync(scenario: Scenario, repeat: int) -> Measure:
    """The first sync without its writes (`sync --dry-run`): what the baselines compare to."""
    return measure(
        "first sync, reads only (sync --dry-run)",
        repeat,
        partial(scenario.sync, "--dry-run"),
        lambda _: scenario.reset(),
    )


def shared_first_sync(scenario: CalDAVScenario) -> Measure:
    """Once: the first sync writing its reminders into the 10,000-event calendar itself."""
    shared = CalDAVScenario(
        scenario.size, scenario.events, scenario.home / "shared", scenario.server, shared=True
    )
    found = measure(
        "first sync, reminders in the source calendar", 1, shared.sync, lambda _: shared.reset()
    )
    shared.reset()  # the calendar as generated again
    return found


PAIRS = 9  # runs of each incremental scenario and of its bare read, up to 10,000 events


def ours(scenario: Scenario, repeat: int) -> tuple[list[Measure], list[Measure]]:
    """relance-cal's runs, and the bare incremental reads measured alongside them."""
    first = measure("first sync", repeat, scenario.sync, lambda _: scenario.reset())
    settle = measure("sync after its own writes", 1, scenario.sync)
    # Ratios of two runs of half a second each: more pairs, so that one slow or fast run
    # does not decide them.
    pairs = max(repeat, PAIRS) if scenario.size <= 10_000 else repeat
    quiet, bare_quiet = paired(scenario, "no change", pairs, change=False)
    scenario.change(0)  # once, not measured: the next runs also read back the last one's writes
    scenario.sync()
    changed, bare_changed = paired(scenario, "one interview changed", pairs, change=True)
    return [first, settle, quiet, changed], [m for m in (bare_quiet, bare_changed) if m]


def paired(
    scenario: Scenario, label: str, repeat: int, *, change: bool
) -> tuple[Measure, Measure | None]:
    """Our run and the bare incremental read of the same change, in alternating order, so
    that both meet the server in the same state."""
    if scenario.bare_label is None:
        before = (lambda n: scenario.change(n + 1)) if change else None
        return measure(label, repeat, scenario.sync, before), None
    ours_, bare = (
        Measure(label),
        Measure(f"{scenario.bare_label}, {'one' if change else 'no'} change"),
    )
    for n in range(repeat):
        token = scenario.incremental_token()
        if change:
            scenario.change(n + 1)
        runs = [(ours_, scenario.sync), (bare, partial(scenario.bare_incremental, token))]
        for found, run in runs if n % 2 else runs[::-1]:
            found.samples.append(run())
    for found in (ours_, bare):
        print(f"    {found.label}: {found.seconds:.2f} s, requests {_span(found.requests)}")
    return ours_, bare


# --- ics ---------------------------------------------------------------------------------


class IcsScenario(Scenario):
    backend = "ics"

    def __init__(self, size: int, events: list[calendars.Event], home: Path) -> None:
        super().__init__(size, events, home)
        self.pristine = calendars.ics_file(events).encode("utf-8")
        self.file = home / "calendar.ics"
        self.copy = home / "pristine.ics"  # what the baselines read
        self.copy.write_bytes(self.pristine)
        self.current = self.interview
        self.config.write_text(
            f'me = "camille@example.org"\nname = "Camille Martin"\n'
            f'[source]\nbackend = "ics"\npath = "{self.file}"\n',
            encoding="utf-8",
        )
        self._stamp: tuple[int, int] | None = None

    def reset(self) -> None:
        super().reset()
        self.file.write_bytes(self.pristine)
        self.current = self.interview

    def change(self, round_: int) -> None:
        new = calendars.changed(self.interview, round_)
        text = self.file.read_bytes().decode("utf-8")
        old_block = calendars.vevent(self.current)
        assert old_block in text, "the interview is not in the file as written"
        self.file.write_bytes(text.replace(old_block, calendars.vevent(new)).encode("utf-8"))
        self.current = new

    def _stat(self) -> tuple[int, int]:
        st = self.file.stat()
        return st.st_ino, st.st_mtime_ns

    def start_counting(self) -> None:
        self._stamp = self._stat() if self.file.exists() else None

    def take(self) -> Counts:
        rewritten = self._stamp is not None and self._stat() != self._stamp
        return Counts(writes=int(rewritten), requests=int(rewritten))

    def baselines(self, repeat: int, issue9: bool) -> list[Measure]:
        start, end = window()
        return [
            measure(
                "icalendar parse of the file",
                slow(repeat, self.size),
                lambda: self.bare("ics-parse", str(self.copy)),
            ),
            measure(
                "re-listing the window (icalendar + recurring-ical-events)",
                slow(repeat, self.size),
                lambda: self.bare("ics-list", str(self.copy), start.isoformat(), end.isoformat()),
            ),
        ]


# --- CalDAV (Radicale) ---------------------------------------------------------------------


class RadicaleServer:
    """One Radicale for every calendar, its storage kept in the work folder between runs.

    Calendars are keyed by their size, or by a name (FUTURE) for the other kinds.
    """

    def __init__(self, root: Path, keyed_events: dict[int | str, list[calendars.Event]]) -> None:
        self.root = root
        (root / "collections").mkdir(parents=True, exist_ok=True)
        self.paths: dict[int | str, str] = {}
        self.cached: dict[int | str, float] = {}  # seconds building the item cache of a new one
        fresh = []
        for key, events in keyed_events.items():
            name = f"bench-{key}-g{GENERATION}"
            self.paths[key] = f"/{servers.USER}/{name}/"
            objects = {calendars.object_name(e): calendars.ics_object(e) for e in events}
            if _sync_storage(root, name, objects):
                fresh.append(key)
        self._context = servers.radicale(root)
        port = self._context.__enter__()
        self.dav = servers.Dav(port)
        self.relay = servers.Relay(port)
        for key, events in keyed_events.items():
            began = time.perf_counter()
            self.dav.request("PROPFIND", self.paths[key], "", {"Depth": "1"})
            if key in fresh:
                self.cached[key] = time.perf_counter() - began
                print(
                    f"  Radicale cached {len(events)} events ({key}) in "
                    f"{time.perf_counter() - began:.0f} s",
                    flush=True,
                )
        self.facts: dict[int, dict[str, float]] = {}

    def measure_facts(self, size: int, window_start: datetime) -> dict[str, float]:
        """What Radicale itself costs per request on this calendar (direct, not counted)."""
        path = self.paths[size]
        facts: dict[str, float] = {}

        def timed(method: str, target: str, body: str = "", **headers: str) -> float:
            began = time.perf_counter()
            status, _, _ = self.dav.request(method, target, body, headers)
            assert status < 400, (method, status)
            return time.perf_counter() - began

        creates = []
        for n in range(3):
            target = f"{path}bench-probe-{n}.ics"
            probe = calendars.ics_object(
                calendars.Event(f"bench-probe-{n}", "probe", calendars.NOW, calendars.NOW)
            )
            creates.append(timed("PUT", target, probe, **{"If-None-Match": "*"}))
            self.dav.delete(target)
        facts["create"] = statistics.median(creates)
        start = window_start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        query = (
            '<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/>'
            '</D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            f'<C:time-range start="{start}"/>{{match}}</C:comp-filter></C:comp-filter></C:filter>'
            "</C:calendar-query>"
        )
        text = (
            '<C:prop-filter name="SUMMARY"><C:text-match>entretien</C:text-match></C:prop-filter>'
        )
        facts["window"] = timed("REPORT", path, query.format(match=""), Depth="1")
        token = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:sync-token/>'
        facts["token"] = timed("PROPFIND", path, token + "</D:prop></D:propfind>", Depth="0")
        if size == 10_000:
            facts["window+text"] = timed("REPORT", path, query.format(match=text), Depth="1")
        self.facts[size] = facts
        return facts

    def close(self) -> None:
        self.relay.close()
        self._context.__exit__(None, None, None)


def _sync_storage(root: Path, name: str, objects: dict[str, str]) -> bool:
    """Make the stored calendar hold exactly `objects` (True when it had to be created)."""
    folder = root / "collections" / "collection-root" / servers.USER / name
    if not folder.exists():
        servers.fill_calendar(root, name, objects)
        return True
    # Old sync tokens only slow Radicale down: every run starts without them.
    shutil.rmtree(folder / ".Radicale.cache" / "sync-token", ignore_errors=True)
    present = {p.name for p in folder.glob("*.ics")}
    for stray in present - set(objects):
        (folder / stray).unlink()
    for file_name, text in objects.items():
        data = text.encode("utf-8")
        path = folder / file_name
        if file_name not in present or path.read_bytes() != data:
            path.write_bytes(data)
    return False


class CalDAVScenario(Scenario):
    """Reminders in a calendar of their own (see the note in the report), unless `shared`."""

    backend = "caldav"

    def __init__(
        self,
        size: int,
        events: list[calendars.Event],
        home: Path,
        server: RadicaleServer,
        *,
        shared: bool = False,
        key: int | str | None = None,
    ) -> None:
        super().__init__(size, events, home)
        self.server = server
        key = size if key is None else key
        self.path = server.paths[key]
        self.source = self.path
        self.shared = shared
        self.reminders = self.path if shared else f"/{servers.USER}/reminders-{key}/"
        self.relay = server.relay
        self.written: set[str] = set()
        account = (
            f'backend = "caldav"\nurl = "{self.relay.url}"\nusername = "{servers.USER}"\n'
            f'password_env = "{PASSWORD_ENV}"\n'
        )
        self.config.write_text(
            f'me = "camille@example.org"\nname = "Camille Martin"\n'
            f'[source]\n{account}calendar = "{self.path}"\n'
            + ("" if shared else f'[reminders]\n{account}calendar = "{self.reminders}"\n'),
            encoding="utf-8",
        )
        self.object = self.path + calendars.object_name(self.interview)

    def take(self) -> Counts:
        counts = self.relay.take()
        self.written.update(p for m, p, _ in counts.calls if m == "PUT")
        return counts

    def reset(self) -> None:
        super().reset()
        if self.shared:
            for path in sorted(self.written):
                self.server.dav.delete(path)
        else:
            self.server.dav.fresh_calendar(self.reminders)
        self.written.clear()
        self.server.dav.put(self.object, calendars.ics_object(self.interview))

    def change(self, round_: int) -> None:
        self.server.dav.put(
            self.object, calendars.ics_object(calendars.changed(self.interview, round_))
        )

    bare_label = "bare sync-token REPORT (caldav)"

    def bare_incremental(self, token: str) -> Sample:
        return self.bare("caldav-sync", self.relay.url, self.path, token)

    def incremental_token(self) -> str:
        """The calendar's current sync token, asked directly (not counted)."""
        body = (
            '<?xml version="1.0"?><D:propfind xmlns:D="DAV:">'
            "<D:prop><D:sync-token/></D:prop></D:propfind>"
        )
        _, _, content = self.server.dav.request("PROPFIND", self.path, body, {"Depth": "0"})
        from xml.etree import ElementTree

        return next(ElementTree.fromstring(content).iter("{DAV:}sync-token")).text

    def baselines(self, repeat: int, issue9: bool) -> list[Measure]:
        url = self.relay.url
        start, end = window()
        found: list[Measure] = []
        found.append(
            measure(
                "caldav search(start, end, expand=True) of the window",
                slow(repeat, self.size),
                lambda: self.bare(
                    "caldav-search", url, self.path, start.isoformat(), end.isoformat()
                ),
            )
        )
        if issue9:
            found.append(
                measure(
                    "caldav get_objects_by_sync_token(None, load_objects=True)",
                    1,  # 10,001 requests, more than a minute: once
                    lambda: self.bare("caldav-full", url, self.path),
                )
            )
            found += self.vdirsyncer(repeat)
        return found

    def vdirsyncer(self, repeat: int) -> list[Measure]:
        program = BIN / "vdirsyncer"
        if not program.exists():
            program = Path(shutil.which("vdirsyncer") or "/nonexistent")
        if not program.exists():
            note = "vdirsyncer is not installed (pip install vdirsyncer): rows skipped"
            return [
                Measure("vdirsyncer first sync", note=note),
                Measure("vdirsyncer no-change sync", note=note),
            ]
        where = self.home / "vdirsyncer"
        config = where / "config"
        where.mkdir(exist_ok=True)
        config.write_text(
            f'[general]\nstatus_path = "{where}/status/"\n\n'
            '[pair bench]\na = "bench_remote"\nb = "bench_local"\ncollections = null\n\n'
            '[storage bench_remote]\ntype = "caldav"\n'
            f'url = "{self.relay.url.rstrip("/")}{self.path}"\nusername = "{servers.USER}"\n'
            f'password.fetch = ["command", "printenv", "{PASSWORD_ENV}"]\nread_only = true\n\n'
            '[storage bench_local]\ntype = "filesystem"\n'
            f'path = "{where}/local/"\nfileext = ".ics"\n',
            encoding="utf-8",
        )

        def fresh(_: int) -> None:
            shutil.rmtree(where / "status", ignore_errors=True)
            shutil.rmtree(where / "local", ignore_errors=True)
            (where / "local").mkdir()
            subprocess.run(
                [str(program), "-c", str(config), "discover", "bench"],
                input="y\n" * 5,
                text=True,
                env=self.env(),
                capture_output=True,
                check=True,
            )

        def run() -> Sample:
            return self.sample([str(program), "-c", str(config), "sync"])

        first = measure("vdirsyncer first sync", repeat, run, fresh)
        again = measure("vdirsyncer no-change sync", repeat, run)
        shutil.rmtree(where / "local", ignore_errors=True)
        return [first, again]


# --- CalDAV, a calendar mostly in the future (issue 14) --------------------------------------

FUTURE = "future-50000"  # the calendar's key in RadicaleServer
FUTURE_SIZE = 50_000
FUTURE_HEADING = f"## caldav, {FUTURE_SIZE:,} events mostly in the future (issue 14)"
FUTURE_GOAL = f"caldav {FUTURE_SIZE:,} mostly future: first sync peak RSS < 250 MB, the window only"
_TIME_RANGE = re.compile(rb'<C:time-range start="([0-9TZ]+)"(?: end="([0-9TZ]+)")?')


@dataclass
class Listed:
    """Radicale's answer to one calendar-query, asked directly (not counted)."""

    objects: int
    size: int  # bytes of iCalendar text in it
    refused: str = ""  # why Radicale refused it whole (then asked half a year at a time)


@dataclass
class FutureRun:
    first: Measure
    baselines: list[Measure]
    asked: tuple[str, str | None]  # the time-range of the first sync's calendar-query
    window: Listed  # what Radicale answers to that query
    open_ended: Listed  # to the same query without its end: the first sync before issue 14


def future_events() -> list[calendars.Event]:
    return calendars.generate(FUTURE_SIZE, future=True)


def future_run(
    server: RadicaleServer, events: list[calendars.Event], home: Path, repeat: int
) -> FutureRun:
    """The first sync of the calendar mostly in the future, and what its query reads."""
    scenario = CalDAVScenario(FUTURE_SIZE, events, home, server, key=FUTURE)
    first = measure("first sync", repeat, scenario.sync, lambda _: scenario.reset())
    queries = [
        body
        for path, body in first.samples[-1].counts.reports
        if path == scenario.path and b"calendar-query" in body
    ]
    assert len(queries) == 1, f"expected one calendar-query of the source, got {len(queries)}"
    [query] = queries
    found = _TIME_RANGE.search(query)
    assert found is not None, query
    start, end = (v.decode() if v else None for v in found.groups())
    window_ = _listed(server, scenario.path, query)
    open_ended = _listed(
        server, scenario.path, _TIME_RANGE.sub(f'<C:time-range start="{start}"'.encode(), query)
    )
    baselines = scenario.baselines(1, issue9=False)  # the bare window search: once (a minute)
    scenario.close()
    return FutureRun(first, baselines, (start, end), window_, open_ended)


def _listed(server: RadicaleServer, path: str, query: bytes) -> Listed:
    """The objects `query` lists and the size of the answer. Radicale refuses an answer of
    more than 10,000 events (`max_expand_occurrence`): then it is asked half a year at a
    time, each object counted once."""
    status, answered = _ask(server.dav, path, query)
    if status == 207:
        return Listed(len(answered), sum(answered.values()))
    log = (server.root / "radicale.log").read_text(errors="replace").splitlines()
    refused = next((line.split(": ", 1)[-1] for line in reversed(log) if "Bad REPORT" in line), "")
    found = _TIME_RANGE.search(query)
    assert status == 400 and found is not None and not found.group(2), (status, refused)
    begin = datetime.strptime(found.group(1).decode(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    last = calendars.NOW + calendars.FUTURE_AHEAD + timedelta(days=31)
    answered = {}
    while True:
        end = begin + timedelta(days=182)
        bounds = f'<C:time-range start="{_utc(begin)}"'
        bounds += f' end="{_utc(end)}"' if begin < last else ""  # the last piece: no end
        status, piece = _ask(server.dav, path, _TIME_RANGE.sub(bounds.encode(), query))
        assert status == 207, status
        answered.update(piece)
        if begin >= last:
            break
        begin = end
    return Listed(len(answered), sum(answered.values()), refused or f"status {status}")


def _ask(dav: servers.Dav, path: str, query: bytes) -> tuple[int, dict[str, int]]:
    """The status of a REPORT and, when 207, the size of each object's text by href."""
    from xml.etree import ElementTree

    status, _, content = dav.request("REPORT", path, query.decode("utf-8"), {"Depth": "1"})
    if status != 207:
        return status, {}
    sizes = {}
    for node in ElementTree.fromstring(content).iter("{DAV:}response"):
        href = node.findtext("{DAV:}href") or ""
        if not href.endswith("/"):
            text = node.findtext(".//{urn:ietf:params:xml:ns:caldav}calendar-data") or ""
            sizes[href] = len(text.encode("utf-8"))
    return status, sizes


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def future_target(run: FutureRun) -> Target:
    start, end = run.asked
    first, before = run.first, run.open_ended
    refused = " and Radicale refuses it" if before.refused else ""
    return Target(
        "14",
        FUTURE_GOAL,
        f"{first.rss_mb:.0f} MB; asked {start} to {end or '(no end)'}: "
        f"{run.window.objects:,} objects ({_bytes(run.window.size)}), where the open-ended "
        f"query lists {before.objects:,} ({_bytes(before.size)}){refused}; "
        f"{first.seconds:.2f} s, {_span(first.requests)} requests, {_bytes(first.transferred)}",
        first.rss_mb < 250 and end is not None,
    )


def future_section(run: FutureRun, standalone: list[str] | None = None) -> list[str]:
    """The report's section; `standalone`: the lines saying where and how it was measured
    (when the rest of the report comes from another run)."""
    start, end = run.asked
    window_, before = run.window, run.open_ended
    search = run.baselines[0] if run.baselines else None
    lines = [FUTURE_HEADING, ""]
    if standalone:
        lines += [*standalone, ""]
    lines += [
        f"- The calendar: {FUTURE_SIZE:,} events (benchmarks/calendars.py, "
        f"`generate({FUTURE_SIZE}, future=True)`):",
        f"  {calendars.FUTURE_SHARE * 100:.0f} % of the ordinary events in the "
        f"{calendars.FUTURE_AHEAD.days // 365} years after now, the rest over the four years",
        "  before; interviews (2 %) as in the other calendars (four years back to two months",
        "  ahead). Radicale on 127.0.0.1 with its default settings, its storage written",
        "  straight into its folder and its item cache kept in --workdir; the reminders in a",
        "  calendar of their own.",
        f"- The first sync's calendar-query asks for {start} to {end or '(no end)'}: the window",
        f"  (90 days back, 90 ahead) and a week. Radicale answers it with {window_.objects:,}",
        f"  objects ({_bytes(window_.size)} of iCalendar text). The same query without its end,"
        " what the first",
        f"  sync asked before issue 14, lists {before.objects:,} objects "
        f"({_bytes(before.size)}). Both asked directly, not counted.",
    ]
    if before.refused:
        lines += [
            f"  Radicale refuses that open-ended query outright (400, `{before.refused}`: its",
            "  `max_expand_occurrence`, 10,000 events per answer by default); its objects were",
            "  counted half a year at a time. A first sync asking it fails on this calendar.",
        ]
    lines += [
        "- *first sync*: no state, the reminders calendar empty; a whole process from spawn to",
        "  exit, peak RSS from ru_maxrss, requests and bytes (as sent, gzip) counted by the relay.",
        "  The answer is parsed whole (lxml), then each object's raw text is pre-filtered and",
        "  only the possible interviews are kept: memory follows the window, not the calendar.",
        "",
    ]
    compare = {"first sync": search}
    lines += table([run.first], compare)
    if run.baselines:
        lines += ["", "Baselines:", "", *table(run.baselines, {})]
    return lines


def splice(text: str, row: str, section: list[str]) -> str:
    """`text` (a report) with the target row and the section put in, or replaced."""
    lines = text.splitlines()
    prefix = row.split(" | ")[0] + " | " + row.split(" | ")[1] + " |"
    at = next((i for i, line in enumerate(lines) if line.startswith(prefix)), None)
    if at is not None:
        lines[at] = row
    elif "## Targets" in lines:
        at = lines.index("## Targets") + 1
        while at < len(lines) and not lines[at].startswith("|"):
            at += 1
        while at < len(lines) and lines[at].startswith("|"):
            at += 1
        lines.insert(at, row)
    else:
        lines += ["", "## Targets", "", "| issue | target | measured | met |", "|---|---|---|---|"]
        lines.append(row)
    if FUTURE_HEADING in lines:
        begin = lines.index(FUTURE_HEADING)
        end = next(
            (i for i in range(begin + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        lines[begin:end] = [*section, ""] if end < len(lines) else section
    else:
        lines += ["", *section]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- Google Calendar (emulator) ------------------------------------------------------------


def _emulator_module():
    spec = importlib.util.spec_from_file_location(
        "emulator", ROOT / "tests" / "gcal" / "emulator.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["emulator"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _google_write(method: str, path: str, body: bytes) -> bool:
    return method in ("PUT", "PATCH", "DELETE") or (
        method == "POST" and not path.startswith("/token")
    )


class GoogleScenario(Scenario):
    backend = "google"

    def __init__(self, size: int, events: list[calendars.Event], home: Path) -> None:
        super().__init__(size, events, home)
        emulator = _emulator_module()
        self.emulator = emulator.CalendarEmulator()  # answered in-process: never started
        self.emulator_status = emulator.STATUS_TEXT
        for event in events:
            self.emulator.add_event(**calendars.google_event(event))
        self.relay = servers.Relay(self._answer, is_write=_google_write)
        self.event_id = calendars.google_event(self.interview)["id"]
        token = home / "google-token.json"
        scopes = ["https://www.googleapis.com/auth/calendar.events.owned"]
        grant = self.emulator.issue_token(set(scopes), lifetime=24 * 3600)
        token.write_text(
            json.dumps(
                {
                    "token": grant["access_token"],
                    "refresh_token": grant["refresh_token"],
                    "token_uri": f"{self.relay.url}token",
                    "client_id": self.emulator.client_id,
                    "client_secret": self.emulator.client_secret,
                    "scopes": scopes,
                    "expiry": (datetime.now(UTC) + timedelta(hours=24)).strftime(
                        "%Y-%m-%dT%H:%M:%S.%fZ"
                    ),
                }
            )
        )
        token.chmod(0o600)
        self.token_file = token
        self.config.write_text(
            f'me = "camille@example.org"\nname = "Camille Martin"\n'
            f'[source]\nbackend = "google"\nendpoint = "{self.relay.url}"\ntoken = "{token}"\n',
            encoding="utf-8",
        )

    def _answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> servers.Answer:
        response = self.emulator.handle_http(method, path, headers, body)
        status_text = self.emulator_status.get(response.status, "")
        return response.status, status_text, list(response.headers.items()), response.body

    def take(self) -> Counts:
        return self.relay.take()

    def reset(self) -> None:
        super().reset()
        events = self.emulator.events()
        with self.emulator.lock:
            for event_id in [
                i
                for i, e in events.items()
                if "relanceCalSource" in e.get("extendedProperties", {}).get("private", {})
            ]:
                del events[event_id]
        self.emulator.edit_event(self.event_id, description=self.interview.description)

    def change(self, round_: int) -> None:
        new = calendars.changed(self.interview, round_)
        self.emulator.edit_event(self.event_id, description=new.description)

    bare_label = "bare events.list with the sync token"

    def incremental_token(self) -> str:
        return base64.urlsafe_b64encode(f"primary:{self.emulator.seq}".encode()).decode()

    def bare_incremental(self, token: str) -> Sample:
        return self.bare("google-sync", self.relay.url, str(self.token_file), token)

    def baselines(self, repeat: int, issue9: bool) -> list[Measure]:
        start, end = window()
        endpoint, token_file = self.relay.url, str(self.token_file)
        return [
            measure(
                "re-listing the window (events.list, all pages)",
                repeat,
                lambda: self.bare(
                    "google-list", endpoint, token_file, _rfc3339(start), _rfc3339(end)
                ),
            ),
        ]

    def close(self) -> None:
        self.relay.close()
        self.emulator.server.server_close()


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- start-up -----------------------------------------------------------------------------


def startup(repeat: int = 21) -> tuple[float, float]:
    """Median wall time of `python -c pass` and of `relance-cal --help`, runs interleaved."""
    env = base_env()
    bare, cli = [sys.executable, "-c", "pass"], [str(RELANCE), "--help"]
    spawn(cli, env)  # bytecode written, files cached
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        times[0].append(spawn(bare, env)[0])
        times[1].append(spawn(cli, env)[0])
    return statistics.median(times[0]), statistics.median(times[1])


# --- report -------------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        memory = int(f.readline().split()[1]) / 1024 / 1024
    versions = []
    for package in ("relance-cal", "icalendar", "recurring-ical-events", "caldav", "radicale",
                    "google-api-python-client", "vdirsyncer"):  # fmt: skip
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; RAM: {memory:.1f} GB",
        f"- {platform.platform()}; Python {platform.python_version()}",
        f"- {', '.join(versions)}",
    ]


def _span(pair: tuple[int, int]) -> str:
    low, high = pair
    return str(low) if low == high else f"{low}-{high}"


def _bytes(count: float) -> str:
    if count >= 1e6:
        return f"{count / 1e6:.1f} MB"
    if count >= 1e3:
        return f"{count / 1e3:.0f} kB"
    return f"{count:.0f} B"


@dataclass
class Results:
    rows: dict[tuple[str, int], list[Measure]] = field(default_factory=dict)
    baselines: dict[tuple[str, int], list[Measure]] = field(default_factory=dict)

    def get(self, backend: str, size: int, label: str) -> Measure | None:
        for m in self.rows.get((backend, size), []) + self.baselines.get((backend, size), []):
            if m.label.startswith(label) and m.samples:
                return m
        return None


def table(measures: list[Measure], compare: dict[str, Measure | None]) -> list[str]:
    per_calendar = any(m.samples and m.source_reads is not None for m in measures)
    extra = " source calendar reads |" if per_calendar else ""
    lines = [
        f"| run | wall (median) | requests (reads + writes) |{extra} transferred | peak RSS "
        "| vs baseline |",
        "|---|---:|---:|" + ("---:|" if per_calendar else "") + "---:|---:|---|",
    ]
    for m in measures:
        if not m.samples:
            dashes = "- | - | - | - |" + (" - |" if per_calendar else "")
            lines.append(f"| {m.label} | {dashes} {m.note} |")
            continue
        ratio = ""
        base = compare.get(m.label)
        if base is not None and base.samples:
            ratio = f"{m.seconds / base.seconds:.2f}x {base.label}"
        requests = f"{_span(m.requests)} ({_span(m.reads)} + {_span(m.writes)})"
        source = f" {_span(m.source_reads)} |" if per_calendar and m.source_reads else ""
        label = m.label + (f" ({len(m.samples)} run{'s' * (len(m.samples) > 1)})")
        lines.append(
            f"| {label} | {m.seconds:.2f} s | {requests} |{source} {_bytes(m.transferred)} | "
            f"{m.rss_mb:.0f} MB | {ratio} |"
        )
    return lines


def comparisons(results: Results, backend: str, size: int) -> dict[str, Measure | None]:
    g = lambda label: results.get(backend, size, label)  # noqa: E731
    if backend == "ics":
        parse, relist = g("icalendar parse"), g("re-listing")
        return {
            "first sync": relist,
            "sync after its own writes": parse,
            "no change": parse,
            "one interview changed": parse,
        }
    if backend == "caldav":
        return {
            "first sync": g("caldav search"),
            "sync after its own writes": g("bare sync-token REPORT (caldav), one change"),
            "no change": g("bare sync-token REPORT (caldav), no change"),
            "one interview changed": g("bare sync-token REPORT (caldav), one change"),
        }
    return {
        "first sync": g("re-listing"),
        "sync after its own writes": g("bare events.list with the sync token, one change"),
        "no change": g("bare events.list with the sync token, no change"),
        "one interview changed": g("bare events.list with the sync token, one change"),
    }


@dataclass
class Target:
    issue: str
    goal: str
    measured: str
    met: bool


def targets(
    results: Results,
    sizes: list[int],
    start: tuple[float, float] | None,
    facts: dict[int, dict[str, float]],
    future: FutureRun | None = None,
) -> list[Target]:
    found: list[Target] = []
    bare_quiet = {
        "caldav": "bare sync-token REPORT (caldav), no change",
        "google": "bare events.list with the sync token, no change",
    }
    for backend in ("caldav", "google"):
        calendars_read = 2 if backend == "caldav" else 1  # CalDAV: source + reminders calendar
        for size in sizes:
            quiet = results.get(backend, size, "no change")
            base = results.get(backend, size, bare_quiet[backend])
            if quiet is None or base is None:
                continue
            ratio = quiet.seconds / base.seconds
            per_calendar = quiet.requests == (calendars_read, calendars_read) and (
                quiet.source_reads in (None, (1, 1))
            )
            found.append(
                Target(
                    "7",
                    f"{backend} {size:,}: no change = 1 request per calendar, 0 writes, "
                    "<= 1.5x bare",
                    f"{_span(quiet.requests)} request(s) for {calendars_read} calendar(s), "
                    f"{_span(quiet.writes)} writes, {quiet.seconds:.2f} s = {ratio:.2f}x "
                    f"{base.seconds:.2f} s",
                    per_calendar and quiet.writes == (0, 0) and ratio <= 1.5,
                )
            )
    for size in sizes:
        quiet, parse = results.get("ics", size, "no change"), results.get("ics", size, "icalendar")
        if quiet is None or parse is None:
            continue
        found.append(
            Target(
                "7",
                f"ics {size:,}: no change faster than one icalendar parse, 0 writes",
                f"{quiet.seconds:.2f} s vs {parse.seconds:.2f} s, {_span(quiet.writes)} writes",
                quiet.seconds < parse.seconds and quiet.writes == (0, 0),
            )
        )
    for backend in ("caldav", "google"):
        counts = {
            size: m.requests
            for size in sizes
            if (m := results.get(backend, size, "one interview changed")) is not None
        }
        if len(counts) > 1:
            shown = ", ".join(f"{s:,}: {_span(r)}" for s, r in counts.items())
            found.append(
                Target(
                    "7",
                    f"{backend}: one interview changed, requests constant as the calendar grows",
                    shown,
                    len(set(counts.values())) == 1,
                )
            )
    largest = max(sizes)
    for backend in ("ics", "caldav", "google"):
        first = results.get(backend, largest, "first sync")
        if first is not None:
            found.append(
                Target(
                    "7",
                    f"{backend} {largest:,}: first sync peak RSS < 250 MB",
                    f"{first.rss_mb:.0f} MB",
                    first.rss_mb < 250,
                )
            )
    if start is not None:
        bare, help_ = start
        found.append(
            Target(
                "7",
                "relance-cal --help < 3x python -c pass",
                f"{help_ * 1000:.0f} ms = {help_ / bare:.2f}x {bare * 1000:.0f} ms",
                help_ < 3 * bare,
            )
        )
    found += _issue9(results, facts.get(10_000, {}))
    if future is not None:
        found.append(future_target(future))
    return found


def _issue9(results: Results, radicale: dict[str, float], size: int = 10_000) -> list[Target]:
    found: list[Target] = []
    get = lambda label: results.get("caldav", size, label)  # noqa: E731
    first = get("first sync")
    if first is None or first.source_reads is None:
        return found
    vdir, search = get("vdirsyncer first sync"), get("caldav search")
    reads = first.source_reads
    ok = reads[1] <= 3
    text = f"{_span(reads)} reads on the calendar, {first.seconds:.2f} s"
    for base, share, name in ((vdir, 3, "vdirsyncer"), (search, 5, "window search")):
        if base is None:
            ok, text = False, text + f"; {name} not measured"
            continue
        text += f"; {first.seconds / base.seconds:.2f}x {name} ({base.seconds:.2f} s)"
        ok = ok and first.seconds < base.seconds / share
    if search is not None and "token" in radicale:
        # The floor: what the server alone takes to answer the two reads of a first sync.
        alone = radicale["token"] + radicale["window"]
        text += (
            f"; Radicale alone answers its sync token and window query in {alone:.2f} s"
            f" = {alone / search.seconds:.2f}x the window search"
        )
    found.append(
        Target(
            "9",
            "caldav 10,000: first sync <= 3 reads, < 1/3 vdirsyncer, < 1/5 window search",
            text,
            ok,
        )
    )
    for label, bare, wanted in (
        ("no change", "bare sync-token REPORT (caldav), no change", 1),
        ("one interview changed", "bare sync-token REPORT (caldav), one change", 2),
    ):
        ours, base = get(label), get(bare)
        if ours is None or base is None or ours.source_reads is None:
            continue
        ratio = ours.seconds / base.seconds
        found.append(
            Target(
                "9",
                f"caldav 10,000: {label} = exactly {wanted} read(s) on the calendar, "
                "<= 1.5x bare script",
                f"{_span(ours.source_reads)} read(s), {ratio:.2f}x "
                f"({ours.seconds:.2f} vs {base.seconds:.2f} s)",
                ours.source_reads == (wanted, wanted) and ratio <= 1.5,
            )
        )
    return found


def notes(facts: dict[int, dict[str, float]]) -> list[str]:
    found = [
        "- *sync after its own writes* is the run after a first sync: CalDAV's sync-collection",
        "  lists the reminders the first sync wrote, with the etags the state keeps (not read",
        "  back); Google lists them in its one incremental page; an .ics file the first sync",
        "  rewrote is read in full once. Steady state is the *no change* row.",
    ]
    if facts:
        shown = "; ".join(
            f"{size:,} events: a create {f['create']:.2f} s, the window query {f['window']:.2f} s,"
            f" the sync token (PROPFIND) {f['token']:.2f} s"
            + (
                f", with a SUMMARY text-match {f['window+text']:.2f} s"
                if "window+text" in f
                else ""
            )
            for size, f in sorted(facts.items())
        )
        found += [
            "- Radicale's own cost per request, measured straight on the server: " + shown + ".",
            "  A create scans the whole collection (Radicale checks that the UID is unique), so",
            "  the CalDAV runs keep the reminders in a calendar of their own on the same server",
            "  (`[reminders] calendar`); the row *first sync, reminders in the source calendar*",
            "  gives the default layout's first sync at 10,000 events. Radicale does not",
            "  advertise `calendar-query-extended` (it ANDs the filters of a query) and parses",
            "  every object of the window to apply a text-match: relance-cal sends it the plain",
            "  window query and pre-filters the raw text itself. A first sync needs the sync",
            "  token and the window query: their sum is what Radicale alone takes to answer it.",
        ]
    return found


def report(
    results: Results,
    sizes: list[int],
    start: tuple[float, float] | None,
    command: str,
    repeat: int,
    elapsed: float,
    facts: dict[int, dict[str, float]],
    future: FutureRun | None = None,
) -> str:
    lines = [
        "# Benchmarks",
        "",
        "What one `relance-cal sync` costs, measured as cron runs it (a whole process, from",
        "spawn to exit), against what common tools pay for the same calendar, in the same run.",
        f"Reproduce with `{command}` (this run took {elapsed / 60:.0f} min).",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "## Method",
        "",
        f"- Calendars of {', '.join(f'{s:,}' for s in sizes)} events "
        "(benchmarks/calendars.py, fixed seed): 2 % interviews (titles, a category, metadata",
        "  lines), 5 % recurring, 10 % all-day, time zones Europe/Paris (60 %), UTC, New York,",
        "  Tokyo and floating time, 6 % with 1.5-6 kB descriptions, a third with attendees.",
        f"  Events span four years back and six months ahead; now is {calendars.NOW.isoformat()}.",
        "- Backends: an .ics file; Radicale (CalDAV) on 127.0.0.1; the Google Calendar v3",
        "  emulator of the test suite (tests/gcal/emulator.py), driven by the real",
        "  google-api-python-client. A relay in front of each server counts HTTP requests and",
        '  bytes both ways. For the .ics file, a "request" is a rewrite of the file.',
        "- Each measured process is started by a small launcher that reports its wall time",
        "  (spawn to exit) and peak RSS (ru_maxrss), bytecode caching on as after a pip install.",
        f"  Wall time: median of {repeat} runs (the row says where it differs: the incremental",
        f"  runs and their bare reads alternate, {PAIRS} pairs up to 10,000 events); peak RSS:",
        "  the largest of the runs. Requests: min-max over the runs.",
        "- Scenarios: *first sync* (no state, no reminder in the calendar); *sync after its own",
        "  writes* (the run after a first sync); *no change* (cron, nothing happened);",
        "  *one interview changed* (another client edits the answer date of one interview",
        "  before each run; its follow-up reminder moves).",
        "- Baselines (benchmarks/bare.py), each a bare script doing only that operation.",
        "",
        "## Targets",
        "",
        "| issue | target | measured | met |",
        "|---|---|---|---|",
    ]
    for t in targets(results, sizes, start, facts, future):
        lines.append(f"| {t.issue} | {t.goal} | {t.measured} | {'yes' if t.met else '**no**'} |")
    if start is not None:
        lines += [
            "",
            f"Start-up: `python -c pass` {start[0] * 1000:.0f} ms, `relance-cal --help` "
            f"{start[1] * 1000:.0f} ms (median of 21).",
        ]
    lines += ["", "## Notes", "", *notes(facts)]
    for backend in ("ics", "caldav", "google"):
        for size in sizes:
            key = (backend, size)
            if key not in results.rows:
                continue
            lines += ["", f"## {backend}, {size:,} events", ""]
            lines += table(results.rows[key], comparisons(results, backend, size))
            lines += ["", "Baselines:", ""]
            lines += table(results.baselines.get(key, []), {})
    if future is not None:
        lines += ["", *future_section(future)]
    return "\n".join(lines) + "\n"


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 events, 3 runs")
    parser.add_argument("--sizes", help="comma-separated calendar sizes")
    parser.add_argument("--repeat", type=int, help="runs per measure (default 5, --quick 3)")
    parser.add_argument("--backends", default="ics,caldav,google")
    parser.add_argument(
        "--only",
        choices=["caldav-future"],
        help="this scenario alone, its target row and section put into --output in place",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "relance-cal-bench",
        help="where calendars and Radicale's storage live (kept between runs)",
    )
    args = parser.parse_args()
    # Stopped from outside: still stop the servers this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:])
    if args.only == "caldav-future":
        only_future(args.workdir, args.output, args.repeat or 3, command)
        return
    sizes = [
        int(s)
        for s in (args.sizes or ("1000,10000" if args.quick else "1000,10000,50000")).split(",")
    ]
    repeat = args.repeat or (3 if args.quick else 5)
    backends = args.backends.split(",")
    began = time.perf_counter()

    print("start-up", flush=True)
    start = startup()
    print(f"  python -c pass {start[0] * 1000:.0f} ms, relance-cal --help {start[1] * 1000:.0f} ms")

    events = {size: calendars.generate(size) for size in sizes}
    # The calendar mostly in the future goes with the full runs (the largest size).
    with_future = "caldav" in backends and FUTURE_SIZE in sizes
    results = Results()
    future = None
    radicale = None
    if "caldav" in backends:
        print("Radicale", flush=True)
        keyed: dict[int | str, list[calendars.Event]] = dict(events)
        if with_future:
            keyed[FUTURE] = future_events()
        radicale = RadicaleServer(args.workdir / f"radicale-g{GENERATION}", keyed)
    try:
        for backend in backends:
            for size in sizes:
                home = args.workdir / f"{backend}-{size}"
                shutil.rmtree(home, ignore_errors=True)
                print(f"{backend}, {size:,} events", flush=True)
                if backend == "ics":
                    scenario: Scenario = IcsScenario(size, events[size], home)
                elif backend == "caldav":
                    print(f"  Radicale itself: {radicale.measure_facts(size, window()[0])}")
                    scenario = CalDAVScenario(size, events[size], home, radicale)
                else:
                    scenario = GoogleScenario(size, events[size], home)
                runs = repeat if size <= 10_000 else min(repeat, 3)
                # This process serves the Google emulator and the relays: its garbage
                # collector must not walk the calendars in the middle of a measured request.
                gc.collect()
                gc.freeze()
                try:
                    rows, alongside = ours(scenario, runs)
                    results.rows[(backend, size)] = rows
                    results.baselines[(backend, size)] = alongside + scenario.baselines(
                        runs, issue9=(backend == "caldav" and size == 10_000)
                    )
                    if backend == "caldav" and size == 10_000:
                        results.rows[(backend, size)] += [
                            reads_of_first_sync(scenario, runs),
                            shared_first_sync(scenario),
                        ]
                finally:
                    scenario.close()
                    gc.unfreeze()
        if with_future:
            print(f"caldav, {FUTURE_SIZE:,} events mostly in the future", flush=True)
            future = _future(radicale, args.workdir, min(repeat, 3))
    finally:
        if radicale is not None:
            radicale.close()
    facts = radicale.facts if radicale is not None else {}
    elapsed = time.perf_counter() - began
    text = report(results, sizes, start, command, repeat, elapsed, facts, future)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"written to {args.output}")


def _future(radicale: RadicaleServer, workdir: Path, repeat: int) -> FutureRun:
    home = workdir / f"caldav-{FUTURE}"
    shutil.rmtree(home, ignore_errors=True)
    gc.collect()
    gc.freeze()
    try:
        return future_run(radicale, future_events(), home, repeat)
    finally:
        gc.unfreeze()


def only_future(workdir: Path, output: Path, repeat: int, command: str) -> None:
    """`--only caldav-future`: the calendar mostly in the future alone, put into `output`."""
    began = time.perf_counter()
    print("Radicale", flush=True)
    radicale = RadicaleServer(workdir / f"radicale-g{GENERATION}", {FUTURE: future_events()})
    try:
        print(f"caldav, {FUTURE_SIZE:,} events mostly in the future", flush=True)
        run = _future(radicale, workdir, repeat)
    finally:
        radicale.close()
    t = future_target(run)
    row = f"| {t.issue} | {t.goal} | {t.measured} | {'yes' if t.met else '**no**'} |"
    cache = radicale.cached.get(FUTURE)
    built = (
        f", {cache / 60:.0f} of them building Radicale's item cache of the new calendar"
        if cache
        else ", Radicale's item cache of the calendar kept from an earlier run"
    )
    where = [
        f"Reproduce with `{command.strip()}`. Measured on {datetime.now(UTC):%Y-%m-%d} in "
        f"{(time.perf_counter() - began) / 60:.0f} min{built}, on this machine:",
        "",
        *machine(),
    ]
    section = future_section(run, where)
    print("\n".join([row, "", *section]))
    before = output.read_text(encoding="utf-8") if output.exists() else "# Benchmarks\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(splice(before, row, section), encoding="utf-8")
    print(f"written to {output}")


if __name__ == "__main__":
    main()
