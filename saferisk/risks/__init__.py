"""Risk register: identification, assessment methods, the risk catalogue, dossier and notice cards.

So far: the assessment methods as a pure module (`assessment.py`) and `saferisk calc`; the
models, services and pages of the register arrive with the rest of issue 4 (DESIGN.md §3)."""
