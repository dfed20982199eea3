"""English dates for a Finnish workplace: day before month, the month by name, a 24-hour clock
(never 12/11/2026, which a Finn and an American read as different days)."""

DATE_FORMAT = "j M Y"  # 7 Dec 2026
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday
