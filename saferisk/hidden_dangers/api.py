"""API of hidden dangers: checklists, inspections, the closed loop, extensions, listed
supervision and statistics, through the same services, reads and scoping as the pages.

Mounted at /api/v1/hidden-dangers (saferisk/api.py)."""

from ninja import Router

router = Router(tags=["隐患排查治理"])
