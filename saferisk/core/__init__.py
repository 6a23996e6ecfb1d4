"""Core: reference data (regions, industries, standards tables), users and roles, jurisdiction
scoping, the audit log and the shared web shell. Every other app builds on these."""
