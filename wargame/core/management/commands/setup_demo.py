from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the demo facilitator account (idempotent) and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="facilitator")
        parser.add_argument("--password", default="wargame-demo")
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    def handle(self, *args, username: str, password: str, url: str, **options):
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_password(password)
            user.save()
        self.stdout.write(self.style.SUCCESS("Wargame kit demo"))
        self.stdout.write(f"  Open      {url}/")
        self.stdout.write(f"  Log in    {url}/accounts/login/")
        if created:
            self.stdout.write(f"  Username  {username}")
            self.stdout.write(f"  Password  {password}")
        else:
            self.stdout.write(f"  Username  {username} (existing account; password unchanged)")
