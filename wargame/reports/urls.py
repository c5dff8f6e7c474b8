from django.urls import path

from wargame.reports import views

app_name = "reports"

urlpatterns = [
    path("exercises/<int:exercise_id>/report/", views.report_page, name="page"),
    path("exercises/<int:exercise_id>/report/builds/", views.report_builds, name="builds"),
    path("exercises/<int:exercise_id>/report/build/", views.report_build, name="build"),
    path(
        "exercises/<int:exercise_id>/report/download/<int:build_id>/",
        views.report_download,
        name="download",
    ),
    path("exercises/<int:exercise_id>/report/options/", views.report_options, name="options"),
    path("exercises/<int:exercise_id>/report/hot-wash/", views.hotwash_edit, name="hotwash"),
]
