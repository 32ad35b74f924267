"""Production fails closed: with DEBUG off, Collab refuses to start on settings that would quietly
weaken it. Each problem is a system check *error*, so `manage.py check` (and every management
command that runs checks, `migrate` included) stops, and collab/wsgi.py runs the same checks
before gunicorn serves a request.

- collab.E001: the cache is one process's memory (or none at all), so each web process counts
  rate limits and sign-in lockouts on its own: with 4 workers, 4 times the wrong codes get through.
- collab.E002: SITE_URL is missing or points at this machine: letters and e-mails would send
  residents to an address that does not answer.
- collab.E003: a header that only a proxy can vouch for (X-Forwarded-Proto, -Host or -Port) is
  believed while TRUSTED_PROXIES says there is no proxy, so any client can forge it.
- collab.E004: TRUSTED_PROXY_NETWORKS holds something that is not a network.
- collab.W001 (``check --deploy``): SITE_URL is not https.

With DEBUG on (``make demo``) none of this applies: a demo runs on one machine, in one process.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

TAG = "collab_production"
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
PROXY_HEADER_SETTINGS = ("SECURE_PROXY_SSL_HEADER", "USE_X_FORWARDED_HOST", "USE_X_FORWARDED_PORT")


@checks.register(TAG)
def cache_is_shared(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in PER_PROCESS_CACHES:
        return [
            checks.Error(
                f"The cache is {backend.rsplit('.', 1)[-1]}, which each web process keeps to "
                "itself, so rate limits and sign-in lockouts would be counted per process.",
                hint="Set CACHE_URL to a Redis database every web process shares, "
                "for example redis://redis.internal:6379/1 (not the broker's database).",
                id="collab.E001",
            )
        ]
    return []


def _loopback(host: str) -> bool:
    if host in {"localhost", "localhost.localdomain"} or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@checks.register(TAG)
def site_url_is_public(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    site_url = getattr(settings, "SITE_URL", "") or ""
    hint = (
        "Set SITE_URL to the address where residents answer, as printed on letters and in "
        "e-mails, for example https://surveys.example-council.gov.uk"
    )
    parts = urlsplit(site_url)
    if not site_url or parts.scheme not in {"http", "https"} or not parts.hostname:
        return [
            checks.Error(
                f"SITE_URL is {'not set' if not site_url else repr(site_url) + ', not an address'}"
                ": letters and invitation e-mails would carry no address residents can open.",
                hint=hint,
                id="collab.E002",
            )
        ]
    if _loopback(parts.hostname):
        return [
            checks.Error(
                f"SITE_URL is {site_url!r}, an address on this machine: residents' letters and "
                "e-mails would send them nowhere.",
                hint=hint,
                id="collab.E002",
            )
        ]
    return []


@checks.register(TAG, deploy=True)
def site_url_is_https(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG or not getattr(settings, "SITE_URL", "").startswith("http://"):
        return []
    return [
        checks.Warning(
            "SITE_URL starts with http://: residents would type their codes over an "
            "unencrypted connection before being redirected.",
            hint="Use the https:// address.",
            id="collab.W001",
        )
    ]


@checks.register(TAG)
def proxy_headers_need_a_proxy(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    networks = getattr(settings, "TRUSTED_PROXY_NETWORKS", [])
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            errors.append(
                checks.Error(
                    f"TRUSTED_PROXY_NETWORKS holds {network!r}, which is not a network.",
                    hint="List networks such as 10.0.0.0/8 or single addresses, "
                    "separated by commas.",
                    id="collab.E004",
                )
            )
    if settings.DEBUG or getattr(settings, "TRUSTED_PROXIES", 0) > 0:
        return errors
    for name in PROXY_HEADER_SETTINGS:
        if getattr(settings, name, None):
            errors.append(
                checks.Error(
                    f"{name} trusts a header that only a proxy can vouch for, but "
                    "TRUSTED_PROXIES is 0 (no proxy): any client could forge it.",
                    hint="Behind a load balancer set TRUSTED_PROXIES to the number of proxies "
                    "in front of Collab; without one, remove the setting.",
                    id="collab.E003",
                )
            )
    return errors


def production_errors() -> list[checks.CheckMessage]:
    """The errors that stop a production start (collab/wsgi.py)."""
    return [
        message
        for message in checks.run_checks(tags=[TAG])
        if message.level >= checks.ERROR and not message.is_silenced()
    ]


def refuse_to_start_on_errors() -> None:
    from django.core.exceptions import ImproperlyConfigured

    errors = production_errors()
    if errors:
        lines = "\n".join(f"- {message}" for message in errors)
        raise ImproperlyConfigured(f"Collab will not start with these settings:\n{lines}")
