"""Test helpers: objects made through the real services, and the persona world of the tests."""
