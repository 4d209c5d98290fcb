from django.urls import path

from drugs import views

app_name = "drugs"

urlpatterns = [
    path("", views.home, name="home"),
    path("drugs/<slug:slug>/", views.drug_detail, name="drug_detail"),
    path("drugs/<slug:slug>/fhir.json", views.drug_fhir, name="drug_fhir"),
    path("drugs/<slug:slug>/preview/", views.drug_preview, name="drug_preview"),
    path("conditions/<slug:slug>/", views.condition_detail, name="condition_detail"),
    path("search/", views.search, name="search"),
    path("how-to-read/", views.how_to_read, name="how_to_read"),
    path("acknowledge/", views.acknowledge, name="acknowledge"),
    path("acknowledge/declined/", views.declined, name="declined"),
]
