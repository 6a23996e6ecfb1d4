"""Scoring of legal representatives: rule sets, events and tiers.

This app is laid out now so that its models and scope rules have a home; its
capability arrives with its issue (see DESIGN.md §3)."""
