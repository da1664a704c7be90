import datetime

import factory

from inclusion.core.models import Topic
from sessions_app.desk.enums import Autonomy, Outcome
from sessions_app.desk.models import SessionLog
from tests.core.factories import AntennaFactory


class SessionLogFactory(factory.django.DjangoModelFactory):
    """A one-hour individual session, done, on the antenna's first topic: e-mail."""

    class Meta:
        model = SessionLog
        skip_postgeneration_save = True

    antenna = factory.SubFactory(AntennaFactory)
    date = datetime.date(2026, 1, 6)
    duration_minutes = 60
    outcome = Outcome.DONE
    autonomy = Autonomy.GUIDED

    @factory.post_generation
    def topics(self, create, codes, **kwargs):
        if create:
            self.topics.set(Topic.objects.filter(code__in=codes or ["email"]))

    @factory.post_generation
    def volunteers(self, create, users, **kwargs):
        if create and users:
            self.volunteers.set(users)
