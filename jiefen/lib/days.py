"""The moment a local day begins, for queries on aware datetimes by local dates.

Calendar arithmetic is done on local dates (Asia/Shanghai, settings.TIME_ZONE); a query on an
aware column by a date range asks from the start of the first day to the start of the day
after the last.
"""

from datetime import date, datetime, time

from django.utils import timezone


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))
