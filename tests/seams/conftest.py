"""The servers of the reliability tests (a Radicale of their own, the Google emulator)."""

from reliability.conftest import dav, emulator, radicale

__all__ = ["dav", "emulator", "radicale"]
