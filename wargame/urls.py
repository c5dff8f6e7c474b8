from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from wargame.core import views as core_views
from wargame.exercises.views import players

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", players.logout, name="logout"),
    path("admin/", admin.site.urls),
    path("", include("wargame.exercises.urls")),
    path("", include("wargame.reports.urls")),
    path("", include("wargame.questionnaires.urls")),
]
