"""Risk register (风险分级管控, issue 4). So far the pure assessment methods (`assessment.py`); the
Django app (models, services, pages) is built around them next."""
