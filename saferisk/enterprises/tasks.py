"""Background tasks of the enterprise directory (run by `saferisk db_worker`)."""

from django.tasks import task

from saferisk.enterprises.import_jobs import import_job_run


@task()
def run_import_job(job_id: int) -> None:
    import_job_run(job_id)
