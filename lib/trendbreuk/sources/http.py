"""HTTP downloads moved to `trendbreuk.http`, a foundation that geography uses too; this name keeps working."""

from trendbreuk.http import RETRY_STATUS, USER_AGENT, DownloadError, Response, download  # noqa: F401
