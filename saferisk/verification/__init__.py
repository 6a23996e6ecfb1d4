"""Verification of reports: sampling plans, tasks, findings, enforcement and exposure lists.

This app is laid out now so that its models and scope rules have a home; its
capability arrives with its issue (see DESIGN.md §3)."""
