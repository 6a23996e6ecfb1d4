"""Pages of the hidden-danger app. Each part keeps its routes in its own module, joined here."""

from saferisk.hidden_dangers import (
    checklist_urls,
    hd_urls,
    inspection_urls,
    statistics_urls,
    supervision_urls,
)

app_name = "hidden_dangers"

urlpatterns = [
    *checklist_urls.urlpatterns,
    *inspection_urls.urlpatterns,
    *statistics_urls.urlpatterns,
    *supervision_urls.urlpatterns,
    *hd_urls.urlpatterns,
]
