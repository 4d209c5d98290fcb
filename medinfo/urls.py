from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from drugs import views as drug_views

admin.site.site_header = "medinfo curation"
admin.site.site_title = "medinfo curation"
admin.site.index_title = "Monographs, evidence and disclaimer"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", drug_views.robots_txt, name="robots_txt"),
    path("favicon.ico", drug_views.favicon, name="favicon"),
    path("healthz", drug_views.healthz, name="healthz"),
    path("language/", drug_views.switch_language, name="switch_language"),
]
# Pages carry their language in the address (/en/…, /zh-hans/…), so a shared link opens in its language.
urlpatterns += i18n_patterns(path("", include("drugs.urls")))
