from django.urls import path

from saferisk.enterprises import import_views, onboarding_views, views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="enterprise_list"),
    path("mine/", views.enterprise_mine, name="enterprise_mine"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("onboarding/", onboarding_views.account_onboard, name="account_onboard"),
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/template/", import_views.import_template, name="import_template"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/errors/", import_views.import_errors, name="import_errors"),
]

from saferisk.enterprises import profile_views  # noqa: E402

urlpatterns += [
    path("<int:pk>/profile/", profile_views.enterprise_profile, name="enterprise_profile"),
    path("<int:pk>/commitments/", profile_views.commitment_list, name="commitment_list"),
    path("commitments/<int:pk>/file/", profile_views.commitment_file, name="commitment_file"),
    path("obligations/<slug:kind>/", profile_views.obligation_list, name="obligation_list"),
    path("safety-director-rules/", profile_views.safety_director_rule_list, name="safety_director_rule_list"),
    path(
        "safety-director-rules/new/",
        profile_views.safety_director_rule_create,
        name="safety_director_rule_create",
    ),
    path(
        "safety-director-rules/<int:pk>/edit/",
        profile_views.safety_director_rule_edit,
        name="safety_director_rule_edit",
    ),
]
