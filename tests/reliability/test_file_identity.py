"""The calendar file stays the user's file (issue 14, item 1; docs/cli-contract.md, Cron behaviour).

A calendar app saving during a sync, a symbolic link, hard links, another owner, extended
attributes, a folder or file the user may not write, a full disk, `export -o` at a device.
Cases that need a second user run it as one: created with useradd when the tests run as
root, skipped (saying so) when the machine does not allow it.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from relance_cal import files
from reliability.crashlab import IcsWorld, Result, UserEvent, environment
from reliability.test_crash import ACME, GLOBEX

NOW = "2026-03-02T18:00"
WANTED = {
    "acme-1@example.org/followup",
    "globex-7@example.org/followup",
    "globex-7@example.org/ask",
}
SRC = Path(__file__).resolve().parents[2] / "src"
OTHER_USER = "relance-cal-other"
SHARED_GROUP = "relance-cal-share"


def ics_world(home: Path, events: int = 0) -> IcsWorld:
    world = IcsWorld(home)
    fillers = [
        UserEvent(f"meeting-{n}@example.org", "20260310T100000", "20260310T110000", f"Point {n}")
        for n in range(events)
    ]
    world.write_events([ACME, GLOBEX, *fillers])
    return world


def files_tries() -> int:
    from relance_cal.backends.ics import MAX_REREADS

    return MAX_REREADS


def keys(world: IcsWorld) -> set[str]:
    return set(world.reminder_keys())


# -- another program saving during the sync ---------------------------------------------------

# A calendar app saving by atomic rename (write a new file, rename it over the old one), at the
# worst moment: as soon as relance-cal has started writing its own new file. Its save is
# prepared beforehand, so that it lands before relance-cal's rename.
APP_SAVES = r"""
import os, sys, time
from pathlib import Path
calendar, saves = Path(sys.argv[1]), int(sys.argv[2])
ours = f".{calendar.name}.relance-cal-"
seen = set()
for n in range(saves):
    text = calendar.read_bytes()
    event = (
        f"BEGIN:VEVENT\r\nUID:app-save-{n}@example.org\r\nDTSTAMP:20260301T100000Z\r\n"
        f"DTSTART:20260320T100000Z\r\nDTEND:20260320T110000Z\r\nSUMMARY:Dentiste {n}\r\n"
        "END:VEVENT\r\n"
    ).encode()
    at = text.rindex(b"END:VCALENDAR")
    draft = calendar.with_name(".app-draft")
    draft.write_bytes(text[:at] + event + text[at:])
    print("ready", flush=True)
    while True:
        now = {p.name for p in calendar.parent.iterdir() if p.name.startswith(ours)}
        if now - seen:
            seen |= now
            break
        time.sleep(0.0005)
    os.rename(draft, calendar)
"""


@contextlib.contextmanager
def app_saving(calendar: Path, saves: int) -> Iterator[subprocess.Popen]:
    app = subprocess.Popen(
        [sys.executable, "-c", APP_SAVES, str(calendar), str(saves)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert app.stdout is not None and app.stdout.readline() == "ready\n"
        yield app
    finally:
        app.kill()
        app.wait()


def test_a_save_by_another_program_during_a_sync_is_kept(tmp_path: Path):
    world = ics_world(tmp_path, events=20_000)
    users = world.user_events()

    with app_saving(world.calendar, saves=1) as app:
        result = world.sync(NOW)
        assert app.wait(timeout=30) == 0  # it saved, in the middle of the sync's write

    assert result.code == 0, result.err
    text = world.calendar.read_text(encoding="utf-8")
    assert "UID:app-save-0@example.org" in text  # the app's event survived
    assert keys(world) == WANTED and len(world.reminder_keys()) == 3
    assert set(users.values()) <= set(world.user_events().values())


def test_a_file_that_keeps_changing_is_never_overwritten(tmp_path: Path):
    world = ics_world(tmp_path, events=20_000)

    with app_saving(world.calendar, saves=files_tries()) as app:
        result = world.sync(NOW)
        assert app.wait(timeout=30) == 0

    assert result.code == 1
    assert f"{world.calendar}: another program kept changing the file" in result.err
    text = world.calendar.read_text(encoding="utf-8")
    assert all(f"UID:app-save-{n}@example.org" in text for n in range(files_tries()))
    assert keys(world) == set()  # nothing of ours went over the app's saves
    assert world.sync(NOW).code == 0
    assert keys(world) == WANTED  # the next sync, undisturbed, writes them


# -- links, attributes ---------------------------------------------------------------------------


def test_a_symbolic_link_is_followed_and_stays_a_link(tmp_path: Path):
    world = ics_world(tmp_path)
    real = tmp_path / "sync" / "perso.ics"
    real.parent.mkdir()
    world.calendar.rename(real)
    world.calendar.symlink_to(real)

    assert world.sync(NOW).code == 0

    assert world.calendar.is_symlink() and world.calendar.resolve() == real
    assert keys(world) == WANTED  # read through the link: the real file has them


def test_hard_links_are_kept(tmp_path: Path):
    world = ics_world(tmp_path)
    other_name = tmp_path / "backup-name.ics"
    os.link(world.calendar, other_name)
    inode = world.calendar.stat().st_ino

    assert world.sync(NOW).code == 0

    assert world.calendar.stat().st_ino == inode and world.calendar.stat().st_nlink == 2
    assert other_name.read_bytes() == world.calendar.read_bytes()
    assert keys(world) == WANTED
    assert not list(tmp_path.glob(".perso.ics.relance-cal-*"))  # no copy left behind


def test_mode_and_extended_attributes_are_kept(tmp_path: Path):
    world = ics_world(tmp_path)
    world.calendar.chmod(0o640)
    try:
        os.setxattr(world.calendar, "user.sync-app", b"etag-42")
    except OSError as e:
        pytest.skip(f"this file system takes no user extended attributes ({e.strerror})")

    assert world.sync(NOW).code == 0

    assert os.getxattr(world.calendar, "user.sync-app") == b"etag-42"
    assert stat.S_IMODE(world.calendar.stat().st_mode) == 0o640
    assert keys(world) == WANTED


def test_an_in_place_write_cut_short_is_undone_then_finished(tmp_path: Path):
    """A hard-linked file is rewritten in place after a copy of its old content is saved; a
    run killed in the middle leaves that copy, which the next run reads."""
    world = ics_world(tmp_path)
    os.link(world.calendar, tmp_path / "second-name.ics")
    before = world.calendar.read_bytes()
    users = world.user_events()
    backup = tmp_path / f".perso.ics.relance-cal-backup-{world.calendar.stat().st_ino}"
    backup.write_bytes(before)
    with world.calendar.open("r+b") as half_written:
        half_written.truncate(len(before) // 2)

    result = world.sync(NOW)

    assert result.code == 0, result.err
    assert world.user_events() == users
    assert keys(world) == WANTED
    assert not backup.exists()


# -- what the user may not write ----------------------------------------------------------------


@pytest.fixture(scope="session")
def other_user() -> Iterator[pwd.struct_passwd]:
    """An unprivileged user in a group shared with the file's owner: created when running as
    root, skipped when that is impossible."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create a second user (useradd)")
    created = []
    try:
        with contextlib.suppress(KeyError):
            grp.getgrnam(SHARED_GROUP)
            created.append("group-existed")
        if not created:
            subprocess.run(["groupadd", SHARED_GROUP], check=True, capture_output=True)
        try:
            pwd.getpwnam(OTHER_USER)
        except KeyError:
            subprocess.run(
                ["useradd", "--no-create-home", "-G", SHARED_GROUP, OTHER_USER],
                check=True,
                capture_output=True,
            )
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"cannot create a second user here: {e}")
    yield pwd.getpwnam(OTHER_USER)


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder any user can reach (pytest's are root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="relance-cal-shared-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


# The interpreter may live where only root can reach it (/root/.pyenv): the child starts as
# root, loads every module of a run with a read-only `status` of the same config, then becomes
# the other user for the `sync`, which does all its file work as that user.
AS_OTHER_USER = """
import contextlib, encodings.utf_8_sig, io, os, sys, traceback
from relance_cal import cli
uid, gid, shared = (int(v) for v in sys.argv[1:4])
options = sys.argv[4:]
sys.argv = ["relance-cal", *options, "status"]
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    with contextlib.suppress(SystemExit):
        cli.main()
os.setgroups([shared])
os.setgid(gid)
os.setuid(uid)
sys.argv = ["relance-cal", *options, "sync"]
cli.main()
"""


def sync_as(user: pwd.struct_passwd, world: IcsWorld) -> Result:
    env = environment(world.home, PYTHONPATH=str(SRC), HOME=str(world.home))
    ids = (user.pw_uid, user.pw_gid, grp.getgrnam(SHARED_GROUP).gr_gid)
    options = ["-v", "--config", str(world.config), "--now", NOW]  # -v: a traceback if it fails
    done = subprocess.run(
        [sys.executable, "-c", AS_OTHER_USER, *map(str, ids), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def home_of(user: pwd.struct_passwd, folder: Path) -> IcsWorld:
    home = folder / "home"
    home.mkdir()
    world = ics_world(home)
    for path in (home, world.calendar, world.config):
        os.chown(path, user.pw_uid, user.pw_gid)
    return world


def test_a_shared_file_keeps_its_owner_and_group(other_user, shared_folder: Path):
    world = home_of(other_user, shared_folder)
    team = shared_folder / "team"
    team.mkdir()
    shared = team / "team.ics"
    world.calendar.rename(shared)
    world.calendar.symlink_to(shared)
    share_gid = grp.getgrnam(SHARED_GROUP).gr_gid
    os.chown(team, 0, share_gid)
    team.chmod(0o2775)
    os.chown(shared, 0, share_gid)  # the owner is another user; the group is shared
    shared.chmod(0o664)

    result = sync_as(other_user, world)

    assert result.code == 0, result.err
    info = shared.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, share_gid, 0o664)
    assert keys(world) == WANTED


@pytest.mark.parametrize("what", ["read-only folder", "read-only file"])
def test_a_calendar_the_user_may_not_write_is_never_replaced(
    other_user, shared_folder: Path, what: str
):
    world = home_of(other_user, shared_folder)
    calendars = shared_folder / "calendars"
    calendars.mkdir()
    os.chown(calendars, other_user.pw_uid, other_user.pw_gid)
    calendar = calendars / "perso.ics"
    world.calendar.rename(calendar)
    world.write_config(f'[source]\nbackend = "ics"\npath = "{calendar}"\n')
    (calendars if what == "read-only folder" else calendar).chmod(0o555)
    before = calendar.read_bytes(), calendar.stat().st_ino

    result = sync_as(other_user, world)

    assert result.code == 2, result.err
    assert f"relance-cal: {calendar}: not written: you may not write" in result.err
    assert "set [reminders] path to a calendar file of your own" in result.err
    assert (calendar.read_bytes(), calendar.stat().st_ino) == before


def test_a_full_disk_is_exit_4_and_the_file_is_intact(tmp_path: Path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        world = ics_world(tmp_path / "home")
        calendar = disk / "perso.ics"
        shutil.copy(world.calendar, calendar)
        world.write_config(f'[source]\nbackend = "ics"\npath = "{calendar}"\n')
        before = calendar.read_bytes()
        filler = disk / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as f:
            while True:
                f.write(b"x" * 4096)
                f.flush()

        result = world.sync(NOW)

        assert result.code == 4, result.err
        assert f"{calendar}: not written: No space left on device" in result.err
        assert calendar.read_bytes() == before
        assert {p.name for p in disk.iterdir()} == {"filler", "perso.ics"}  # no temporary left
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# -- export -o ------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["device", "link to a device"])
def test_export_writes_regular_files_only(tmp_path: Path, target: str):
    world = ics_world(tmp_path)
    output = Path("/dev/null")
    if target == "link to a device":
        output = tmp_path / "reminders.ics"
        output.symlink_to("/dev/null")

    result = world.run("export", "-o", str(output), now=NOW)

    assert result.code == 2
    assert f"{output}: not a regular file" in result.err
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)


def test_export_to_a_file_and_to_stdout(tmp_path: Path):
    world = ics_world(tmp_path)
    output = tmp_path / "out" / "reminders.ics"

    assert world.run("export", "-o", str(output), now=NOW).code == 0
    to_stdout = world.run("export", "-o", "-", now=NOW)

    assert to_stdout.code == 0 and "BEGIN:VCALENDAR" in to_stdout.out
    assert output.read_text(encoding="utf-8").count("BEGIN:VEVENT") == 3
    assert not (tmp_path / "-").exists()


def test_the_folders_the_tool_makes_are_private(tmp_path: Path):
    target = tmp_path / "new" / "deeper" / "token.json"
    files.write(target, b"{}", private=True)
    modes = [stat.S_IMODE(p.stat().st_mode) for p in (target.parent.parent, target.parent)]
    assert modes == [0o700, 0o700]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
