"""Pages of the risks app. Each part keeps its routes in its own module, joined here."""

from saferisk.risks import (
    catalogue_urls,
    document_urls,
    plan_urls,
    register_excel_urls,
    register_urls,
)

app_name = "risks"

urlpatterns = [
    *register_urls.urlpatterns,
    *register_excel_urls.urlpatterns,
    *catalogue_urls.urlpatterns,
    *plan_urls.urlpatterns,
    *document_urls.urlpatterns,
]
