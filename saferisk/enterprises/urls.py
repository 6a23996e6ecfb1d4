from django.urls import path

from saferisk.enterprises import views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="enterprise_list"),
    path("mine/", views.enterprise_mine, name="enterprise_mine"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
]
