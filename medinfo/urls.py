from django.contrib import admin
from django.urls import include, path

from drugs import views as drug_views

admin.site.site_header = "medinfo curation"
admin.site.site_title = "medinfo curation"
admin.site.index_title = "Monographs, evidence and disclaimer"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", drug_views.robots_txt, name="robots_txt"),
    path("healthz", drug_views.healthz, name="healthz"),
    path("", include("drugs.urls")),
]
