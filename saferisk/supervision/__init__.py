"""Supervision: the four lists, the risk map, dashboards, tip-offs and the credit list.

This app is laid out now so that its models and scope rules have a home; its
capability arrives with its issue (see DESIGN.md §3)."""
