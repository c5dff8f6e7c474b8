from celery import shared_task

from wargame.reports.services import report_build


@shared_task(acks_late=True)
def build_report(build_id: int) -> bool:
    """Build one queued report; a second delivery finds it claimed and does nothing."""
    return report_build(build_id=build_id)
