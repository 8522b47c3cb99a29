"""The cases fixtures (people, a poor household) for the portal tests."""

from tests.cases.conftest import people, poor_household  # noqa: F401
