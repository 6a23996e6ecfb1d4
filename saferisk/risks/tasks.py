"""Background tasks of the risk register (run by `saferisk db_worker`)."""

from django.tasks import task


@task()
def refresh_catalogue_summaries(item_id: int) -> int:
    """After a catalogue change, refresh the completeness counts the item can touch."""
    from saferisk.risks.models import RiskCatalogItem
    from saferisk.risks.summary import enterprises_touched_by, refresh_many

    item = RiskCatalogItem.objects.filter(pk=item_id).first()
    return refresh_many(enterprises_touched_by(item).iterator()) if item else 0
