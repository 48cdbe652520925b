"""Fixtures are plugins in tests/fixtures/, one module per topic; helpers that are not fixtures are in
tests/helpers.py."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
    "tests.fixtures.people",
    "tests.fixtures.content",
    "tests.fixtures.budgets",
    "tests.fixtures.demo",
    "tests.fixtures.kiosks",
    "tests.fixtures.speech",
    "tests.fixtures.servers",
    "tests.fixtures.smsc",
    "tests.fixtures.browser",
]
