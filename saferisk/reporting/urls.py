"""Pages of the reporting app. Each part keeps its routes in its own module, joined here."""

from saferisk.reporting import (
    bulletin_urls,
    campaign_urls,
    dashboard_urls,
    enforcement_urls,
    exchange_urls,
    task_urls,
)

app_name = "reporting"

urlpatterns = [
    *campaign_urls.urlpatterns,
    *task_urls.urlpatterns,
    *dashboard_urls.urlpatterns,
    *bulletin_urls.urlpatterns,
    *enforcement_urls.urlpatterns,
    *exchange_urls.urlpatterns,
]
