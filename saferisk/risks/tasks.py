"""Background tasks of the risk register (run by `saferisk db_worker`)."""

from django.tasks import task


@task()
def refresh_catalogue_summaries(item_id: int) -> int:
    """After a catalogue change, refresh the completeness counts the item can touch."""
    from saferisk.risks.models import RiskCatalogItem
    from saferisk.risks.summary import enterprises_touched_by, refresh_many

    item = RiskCatalogItem.objects.filter(pk=item_id).first()
    return refresh_many(enterprises_touched_by(item).iterator()) if item else 0


@task()
def run_document_job(job_id: int) -> None:
    """Make a queued batch of risk documents (the dossiers of a town or county as one ZIP)."""
    from saferisk.risks.document_jobs import document_job_run

    document_job_run(job_id)


@task()
def refresh_region_summaries(prefix: str) -> int:
    """Recalculate the risk summary (levels and completeness gap) of every enterprise whose
    region code starts with `prefix` (an admin's 重新计算 on the gap overview)."""
    from saferisk.enterprises.models import Enterprise
    from saferisk.risks.summary import refresh_many

    return refresh_many(Enterprise.objects.filter(region__code__startswith=prefix).order_by("id").iterator())
