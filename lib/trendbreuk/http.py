"""HTTP downloads for every fetcher: a time-out, retries with exponential backoff on 429, 5xx and dropped
connections (waiting at least as long as a Retry-After header asks), and errors that name the URL. Standard library
only (urllib), certificates verified."""

from __future__ import annotations

import http.client
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC

from trendbreuk import __version__

log = logging.getLogger(__name__)
RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_WAIT = 300.0  # seconds: a server that asks for a longer wait (Retry-After) is not waited for
USER_AGENT = f"trendbreuk-werkboek/{__version__} (+https://github.com/; GGD Zuid-Limburg AWPG Mosa)"


class DownloadError(RuntimeError):
    """A download that failed for good; the message names the URL and what went wrong."""


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    content_type: str
    body: bytes


def download(
    url: str,
    *,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
    accept: str = "application/json",
    what: str = "",
) -> Response:
    """GET `url`; retry transient failures `retries` times (waiting backoff, 2x backoff, ...)."""
    label = f"{what}: " if what else ""
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": USER_AGENT})
    attempt = 0
    while True:
        attempt += 1
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                body = reply.read()
                expected = reply.headers.get("Content-Length")
                if expected is not None and int(expected) != len(body):
                    raise http.client.IncompleteRead(body, int(expected) - len(body))
                return Response(url, reply.status, reply.headers.get("Content-Type", ""), body)
        except urllib.error.HTTPError as err:
            if err.code not in RETRY_STATUS or attempt > retries:
                raise DownloadError(f"{label}{url} answered HTTP {err.code} {err.reason}") from err
            problem = f"HTTP {err.code}"
            asked = retry_after(err.headers.get("Retry-After"))
            if asked is not None and asked > MAX_WAIT:
                raise DownloadError(
                    f"{label}{url} answered HTTP {err.code} and asks to wait {asked:.0f} s "
                    "(Retry-After); try again later"
                ) from err
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException, OSError) as err:
            if attempt > retries:
                raise DownloadError(f"{label}{url} failed after {attempt} attempts: {err}") from err
            problem, asked = str(err) or type(err).__name__, None
        wait = max(backoff * 2 ** (attempt - 1), asked or 0.0)
        log.warning("%s%s: %s; retry %d of %d in %.1f s", label, url, problem, attempt, retries, wait)
        time.sleep(wait)


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds, or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from datetime import datetime
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
