"""API of risk reporting: campaigns, tasks, submission, review and progress, through the same
services and scoping as the pages."""

from ninja import Router

router = Router(tags=["reporting"])
