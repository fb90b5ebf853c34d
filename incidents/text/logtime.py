"""Timestamps as log lines write them, made aware and checked against the dates the application can hold.

Shared by the log-paste readers (``logparse``, ``logjson``): ISO 8601 / RFC 3339 with or without a zone,
and the building block every other format ends in, ``moment``.
"""

import datetime
import re

from incidents import dates

ISO = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?(?:\s+|$)(?P<rest>.*)$"
)


def zone_of(text):
    """A fixed-offset tzinfo for ``Z``, ``+09:00`` or ``-0500``; None for no text."""
    if text in (None, ""):
        return None
    if text.upper() == "Z":
        return datetime.UTC
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    return datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def moment(year, month, day, hour, minute, second=0, fraction=None, zone=None, default_zone=datetime.UTC):
    """An aware datetime from the parts of a timestamp (``fraction`` the digits after the second's point,
    ``zone`` the offset as written); ValueError if it is no real time or one the application cannot hold."""
    micro = int((fraction or "0").ljust(6, "0")[:6])
    naive = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro)
    when = naive.replace(tzinfo=zone_of(zone) or default_zone)
    if not dates.in_range(when):  # 0001-01-01T00:00+14:00 cannot even be shown in another zone
        raise ValueError(f"{when} is outside the dates the application can hold")
    return when


def iso_moment(text, default_zone):
    """The time of an ISO 8601 / RFC 3339 timestamp that is the whole of ``text``; None if it is not one."""
    match = ISO.match(text.strip())
    if not match or match["rest"]:
        return None
    return moment(match["y"], match["m"], match["d"], match["H"], match["M"], match["S"], match["f"],
                  match["zone"], default_zone)


def epoch_moment(number):
    """The time of a Unix timestamp in seconds, milliseconds, microseconds or nanoseconds (told apart by size,
    as loggers write them for dates after 1973)."""
    number = float(number)
    for limit, scale in ((1e17, 1e9), (1e14, 1e6), (1e11, 1e3)):
        if abs(number) >= limit:
            number /= scale
            break
    try:
        when = datetime.datetime.fromtimestamp(number, datetime.UTC)
    except (OverflowError, OSError) as error:
        raise ValueError(str(error)) from None
    if not dates.in_range(when):
        raise ValueError(f"{when} is outside the dates the application can hold")
    return when
