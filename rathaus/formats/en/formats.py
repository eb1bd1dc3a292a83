"""English dates and times that no reader can misread: 17 May 1980, 17:19 (24-hour clock).

Names Django looks up by convention (django.conf.locale.en.formats); what is not set here
(numbers, first day of the week) stays Django's.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"

# What a citizen may type: the ISO date a date input sends first (the admin's date widget
# writes the first one), then the German forms and spelt-out months. No slashes: 05/06/1980 is
# 5 June to some readers and May 6 to others, so it is not guessed at.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 1980-05-17
    "%d.%m.%Y",  # 17.05.1980
    "%d.%m.%y",  # 17.05.80
    "%d %B %Y",  # 17 May 1980
    "%d %b %Y",  # 17 May 1980 (abbreviated month)
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H.%M"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
]
