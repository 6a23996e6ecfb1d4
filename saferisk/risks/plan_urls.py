"""Routes of the four-colour risk distribution plan (joined in risks/urls.py)."""

from django.urls import URLPattern, path

from saferisk.risks import plan_views as v

urlpatterns: list[URLPattern] = [
    path("enterprises/<int:pk>/plan/", v.site_plan_page, name="site_plan"),
    path("enterprises/<int:pk>/plan/image/", v.site_plan_image, name="site_plan_image"),
    path("enterprises/<int:pk>/plan.png", v.site_plan_png, name="site_plan_png"),
]
