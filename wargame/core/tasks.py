from celery import shared_task


@shared_task
def ping() -> str:
    """A task round trip a deployment can try: `celery -A wargame call wargame.core.tasks.ping`."""
    return "pong"
