"""Major hazards: GB 18218 identification and grading, consequence zones, vulnerable targets.

This app is laid out now so that its models and scope rules have a home; its
capability arrives with its issue (see DESIGN.md §3)."""
