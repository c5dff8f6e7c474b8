from django.urls import path

from wargame.exercises.views import decision, facilitator, players, public

app_name = "exercises"

urlpatterns = [
    path("exercises/", facilitator.exercise_list, name="list"),
    path("exercises/new/", facilitator.exercise_new, name="new"),
    path("exercises/<int:exercise_id>/links/", facilitator.links, name="links"),
    path("exercises/<int:exercise_id>/control/", facilitator.control_room, name="control"),
    path(
        "exercises/<int:exercise_id>/control/status/",
        facilitator.control_status,
        name="control_status",
    ),
    path(
        "exercises/<int:exercise_id>/control/messages/",
        facilitator.control_messages,
        name="control_messages",
    ),
    path(
        "exercises/<int:exercise_id>/control/announce/",
        facilitator.control_announce,
        name="control_announce",
    ),
    path(
        "exercises/<int:exercise_id>/control/<slug:action>/",
        facilitator.control_action,
        name="control_action",
    ),
    path("exercises/<int:exercise_id>/review/", facilitator.review, name="review"),
    path(
        "exercises/<int:exercise_id>/review/<slug:action>/",
        facilitator.review_action,
        name="review_action",
    ),
    path("exercises/<int:exercise_id>/projector/", public.projector, name="projector"),
    path(
        "exercises/<int:exercise_id>/projector/live/",
        public.projector_fragment,
        name="projector_fragment",
    ),
    path("observe/<str:token>/", public.observe, name="observe"),
    path("join/", players.join, name="join"),
    path("join/<str:code>/", players.join_team, name="join_team"),
    path("rejoin/<str:token>/", players.rejoin, name="rejoin"),
    path("play/<int:exercise_id>/", players.team_page, name="team"),
    path("play/<int:exercise_id>/move/", players.move_post, name="move"),
    path("play/<int:exercise_id>/messages/", players.message_post, name="message"),
    path("play/<int:exercise_id>/preview/", decision.preview, name="preview"),
    path(
        "play/<int:exercise_id>/fragments/<slug:name>/",
        players.team_fragment,
        name="team_fragment",
    ),
]
