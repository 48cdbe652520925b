"""Kept only for bench/kiosk_bench.py, which imports ``tests.speech.say`` and lies outside tests/: the speech helpers
are in tests/helpers.py. Remove this file once the benchmark imports from there."""

from tests.helpers import encoded, say

__all__ = ["encoded", "say"]
