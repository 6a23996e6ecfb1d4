"""Risk register: identification, assessment methods, the risk catalogue, dossier and notice cards.

So far: the assessment methods as a pure module (`assessment.py`), `saferisk calc`, the risk
catalogue with its starter items (`catalogue.py`), and the register's models and write service
(`services.risk_save` / `risk_retire`). Pages, API, import/export, the four-colour plan and the
documents arrive with the rest of issue 4 (DESIGN.md §3)."""
