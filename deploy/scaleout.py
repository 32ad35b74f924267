"""Collab on more than one host, on this machine: two web hosts and a worker host, each in a
network namespace of its own, behind Debian's HAProxy, sharing one PostgreSQL, one Redis and an
S3-compatible bucket (moto's server) for export files. Then checks that what the README promises
of a deployment holds, or (--faults) that it holds while its parts fail under load.

    make scaleout       # or: .venv/bin/python deploy/scaleout.py [--quick]
    make faults         # or: .venv/bin/python deploy/scaleout.py --faults [--quick]
    .venv/bin/python deploy/scaleout.py --all --quick     # both, short: what CI runs

Needs root (network namespaces, a PostgreSQL cluster of its own), Debian's haproxy, redis-server
and postgresql (`make scaleout-deps` installs what is missing).

The hosts (10.211.0.0/16, addresses of this run's own, never routed off the machine):

    residents --> HAProxy 127.0.0.1:9100 (deploy/haproxy.cfg, adapted: plain HTTP here)
                    |-- web1: netns collab-so-web1, 10.211.1.2:9101, deploy/gunicorn.conf.py
                    |-- web2: netns collab-so-web2, 10.211.2.2:9101, the same
                  worker host: netns collab-so-worker, 10.211.3.2, celery worker + beat
    services, 10.211.0.1: PostgreSQL 15 cluster "scaleout" on port 5499, redis-server on 9110
    (append-only file, as a broker that must survive a restart is run), moto S3 on 9111.

Where `ip netns` is refused, the hosts are separate loopback addresses instead (127.0.0.2-4),
the services on 127.0.0.1.

Checks (default): a resident's questionnaire alternating hosts request by request completes and
is stored once; an export built on the worker host downloads, byte for byte the bucket's
object, from either web host; wrong codes and failed sign-ins sent alternately to the two hosts
are counted together (the limit and the lockout hit on the host that saw only half of them);
the load test through the balancer with no response lost, duplicated or half-stored.

Faults (--faults), while residents keep answering through the balancer: PostgreSQL restarted
(pg_ctlcluster restart, fast: connections cut), Redis restarted, one web host killed (its whole
process group, SIGKILL, as a lost machine) and brought back, the worker host killed in the
middle of building an export and started again. Residents do what the product's busy page asks
(wait and press again), and, as browsers do, send a request again once when the balancer closes
a kept-alive connection without a reply. After all of it: no response lost, duplicated or
half-stored; every refused request was one of the product's "please try again" pages (503,
429); the export cut off was built again, once, its file the only one the bucket holds for it;
nothing left queued.

Every namespace, link, process and the cluster it made is removed on exit, also on Ctrl-C,
on a failed check and at --timeout. Exit status 0 only when every check passed. Timing is
printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from loadtest import run as load  # noqa: E402

PREFIX = "collab-so"
NET = "10.211"
PG_CLUSTER = "scaleout"
PG_PORT = 5499
BALANCER_PORT = 9100
WEB_PORT = 9101
REDIS_PORT = 9110
S3_PORT = 9111
DATABASE = "collab_scaleout"
BUCKET = "collab-exports"
S3_REGION = "eu-west-2"
S3_KEYS = {"aws_access_key_id": "scaleout-key", "aws_secret_access_key": "scaleout-secret"}
# Short, so that a task taken by a worker that is then lost comes back in seconds rather than
# the hour of production (README, "PostgreSQL, Redis and Celery"); the export lease likewise.
VISIBILITY_TIMEOUT = 8
EXPORT_LEASE_SECONDS = 10
# The load test goes on until at least this many questionnaires are in (bounded in time).
MIN_QUESTIONNAIRES = 20
# What the product's "please try again" pages say (templates/503.html, collab/ratelimit.py).
TRY_AGAIN = re.compile(r"Sorry, the service is busy|Too many attempts|Please try again")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class CheckFailed(Exception):
    pass


@dataclass
class Checks:
    results: list[tuple[str, bool, str]] = field(default_factory=list)

    def record(self, name: str, ok: bool, detail: str = "") -> bool:
        self.results.append((name, ok, detail))
        log(f"{'PASS' if ok else 'FAIL'}  {name}{': ' + detail if detail else ''}")
        return ok

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(ok for _, ok, _ in self.results)


# --------------------------------------------------------------------------------------------
# Processes and clean-up


def sh(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr.strip()}")
    return result


class Processes:
    """Every process this run starts, each in a session (process group) of its own, so that a
    host is killed whole and nothing outlives the run."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.running: dict[str, subprocess.Popen] = {}
        self.lock = threading.RLock()
        # As systemd does for the units in deploy/systemd/ (Restart=on-failure): a supervised
        # process that exits by itself is started again after RESTART_SEC.
        self.supervised: dict[str, tuple[list[str], dict[str, str]]] = {}
        self.restarts: dict[str, int] = defaultdict(int)
        self.stopping = threading.Event()
        threading.Thread(target=self._supervise, daemon=True).start()

    RESTART_SEC = 5

    def _supervise(self) -> None:
        while not self.stopping.wait(0.5):
            with self.lock:
                exited = [
                    name
                    for name in self.supervised
                    if name in self.running and self.running[name].poll() is not None
                ]
            for name in exited:
                time.sleep(self.RESTART_SEC)
                with self.lock:
                    if name not in self.running or self.stopping.is_set():
                        continue  # stopped on purpose meanwhile
                    code = self.running[name].returncode
                    log(f"  {name} exited by itself ({code}); started again, as systemd would")
                    self.restarts[name] += 1
                    command, env = self.supervised[name]
                    self._spawn(name, command, env)

    def start(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        netns: str | None = None,
        supervise: bool = False,
    ):
        if netns:
            command = ["ip", "netns", "exec", netns, *command]
        with self.lock:
            if supervise:
                self.supervised[name] = (command, env)
            return self._spawn(name, command, env)

    def _spawn(self, name: str, command: list[str], env: dict[str, str]):
        out = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (kept open by the child)
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()
        self.running[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        with self.lock:
            process = self.running.pop(name, None)
            self.supervised.pop(name, None)
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        self.stopping.set()
        # Last started, first stopped: the balancer and the hosts before what they depend on.
        for name in reversed(list(self.running)):
            self.kill(name, signal.SIGTERM)


# --------------------------------------------------------------------------------------------
# The network: a namespace per host, or loopback addresses


@dataclass
class Host:
    name: str
    address: str
    netns: str | None


class Network:
    def __init__(self, use_netns: bool):
        self.use_netns = use_netns
        self.links: list[str] = []
        self.namespaces: list[str] = []
        self.services = f"{NET}.0.1"
        self.hosts: dict[str, Host] = {}

    @staticmethod
    def leftovers_remove() -> None:
        """What an earlier run killed before its clean-up may have left."""
        for line in sh("ip", "netns", "list", check=False).stdout.splitlines():
            name = line.split()[0] if line.split() else ""
            if name.startswith(PREFIX):
                sh("ip", "netns", "del", name, check=False)
        for link in ("so-svc", "so-web1", "so-web2", "so-worker"):
            sh("ip", "link", "del", link, check=False)

    def up(self) -> None:
        names = ["web1", "web2", "worker"]
        if self.use_netns:
            try:
                self._netns_up(names)
                return
            except RuntimeError as error:
                log(f"network namespaces refused ({error}); using loopback addresses instead")
                self.down()
                self.use_netns = False
        self.services = "127.0.0.1"
        for i, name in enumerate(names, start=2):
            self.hosts[name] = Host(name, f"127.0.0.{i}", None)

    def _netns_up(self, names: list[str]) -> None:
        # The services' address: on a link of its own (both ends of a veth pair here, as no
        # dummy interface may be available), reachable from every namespace through its route.
        sh("ip", "link", "add", "so-svc", "type", "veth", "peer", "name", "so-svcp")
        self.links.append("so-svc")
        sh("ip", "link", "set", "so-svcp", "up")
        sh("ip", "addr", "add", f"{self.services}/32", "dev", "so-svc")
        sh("ip", "link", "set", "so-svc", "up")
        for i, name in enumerate(names, start=1):
            ns, link = f"{PREFIX}-{name}", f"so-{name}"
            sh("ip", "netns", "add", ns)
            self.namespaces.append(ns)
            sh("ip", "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns)
            self.links.append(link)
            sh("ip", "addr", "add", f"{NET}.{i}.1/24", "dev", link)
            sh("ip", "link", "set", link, "up")
            inside = ["ip", "netns", "exec", ns]
            sh(*inside, "ip", "link", "set", "lo", "up")
            sh(*inside, "ip", "addr", "add", f"{NET}.{i}.2/24", "dev", "eth0")
            sh(*inside, "ip", "link", "set", "eth0", "up")
            sh(*inside, "ip", "route", "add", "default", "via", f"{NET}.{i}.1")
            self.hosts[name] = Host(name, f"{NET}.{i}.2", ns)

    def down(self) -> None:
        for ns in self.namespaces:
            sh("ip", "netns", "del", ns, check=False)
        for link in self.links:
            sh("ip", "link", "del", link, check=False)
        self.namespaces, self.links = [], []


# --------------------------------------------------------------------------------------------
# The services: PostgreSQL (a cluster of this run's own), Redis, moto S3


def pg_version() -> str:
    versions = sorted(Path("/etc/postgresql").iterdir(), key=lambda p: p.name)
    if not versions:
        raise RuntimeError("PostgreSQL is not installed (/etc/postgresql is empty)")
    return versions[-1].name


class Postgres:
    """A cluster of its own on PG_PORT: the shared server is never restarted."""

    def __init__(self, listen: str):
        self.version = pg_version()
        self.listen = listen

    def _ctl(self, action: str) -> None:
        sh("pg_ctlcluster", "--skip-systemctl-redirect", self.version, PG_CLUSTER, action)

    def drop(self) -> None:
        if Path(f"/etc/postgresql/{self.version}/{PG_CLUSTER}").exists():
            sh("pg_dropcluster", "--stop", self.version, PG_CLUSTER, check=False)

    def create(self) -> None:
        self.drop()
        sh("pg_createcluster", self.version, PG_CLUSTER, "-p", str(PG_PORT), "--start-conf=manual")
        conf = Path(f"/etc/postgresql/{self.version}/{PG_CLUSTER}")
        with open(conf / "postgresql.conf", "a") as f:
            f.write(f"\nlisten_addresses = '{self.listen}'\nmax_connections = 200\n")
        # This run's own cluster on its own addresses: trust, as the shared one does for tests.
        (conf / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
            f"host all all {NET}.0.0/16 trust\n"
        )
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart")

    @property
    def url(self) -> str:
        return f"postgres://postgres@{self.listen}:{PG_PORT}/{DATABASE}"


class Redis:
    """redis-server of its own, persisting to an append-only file fsynced on every write, as a
    broker is run that must keep queued tasks across a restart."""

    def __init__(self, processes: Processes, listen: str, workdir: Path):
        self.processes, self.listen, self.dir = processes, listen, workdir / "redis"
        self.dir.mkdir(exist_ok=True)

    def start(self) -> None:
        self.processes.start(
            "redis",
            [
                "redis-server",
                "--bind", self.listen,
                "--port", str(REDIS_PORT),
                "--save", "",
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--dir", str(self.dir),
                "--protected-mode", "no",
            ],
            env=dict(os.environ),
        )  # fmt: skip
        wait_until(lambda: self.ping(), 20, "Redis to answer")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(host=self.listen, port=REDIS_PORT, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def restart(self) -> None:
        # SIGTERM: Redis writes out its append-only file and exits, as on a service restart.
        self.processes.kill("redis", signal.SIGTERM)
        self.start()

    def url(self, db: int) -> str:
        return f"redis://{self.listen}:{REDIS_PORT}/{db}"


def wait_until(test, seconds: float, what: str, every: float = 0.3) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if test():
                return
        time.sleep(every)
    raise CheckFailed(f"gave up waiting {seconds:.0f} s for {what}")


# --------------------------------------------------------------------------------------------
# The balancer: deploy/haproxy.cfg, adapted to this machine


def balancer_config(deployed: str, *, servers: list[Host], error_page: Path) -> str:
    """deploy/haproxy.cfg as it is, but for what this machine lacks: no certificate (plain HTTP
    on loopback, saying X-Forwarded-Proto: https as TLS ending here would), no syslog, the
    hosts' addresses, and a header naming the host that answered. Fails loudly if the deployed
    file no longer has a line this relies on."""

    def replace(pattern: str, new: str, text: str) -> str:
        changed, n = re.subn(pattern, new, text, flags=re.MULTILINE)
        if not n:
            raise RuntimeError(f"deploy/haproxy.cfg has no line matching {pattern!r}")
        return changed

    text = deployed
    text = replace(r"^\s*log /dev/log.*$", "    log stderr format raw local0 info", text)
    text = replace(r"^\s*bind :443 .*$", f"    bind 127.0.0.1:{BALANCER_PORT}", text)
    text = replace(r"^\s*bind :80\s*$\n", "", text)
    text = replace(r"^\s*http-request redirect scheme https.*$\n", "", text)
    text = replace(
        r"^(\s*http-request set-header X-Forwarded-Proto https) if \{ ssl_fc \}$", r"\1", text
    )
    text = replace(r"hdr Host \S+", "hdr Host 127.0.0.1", text)
    text = replace(r"^\s*errorfile (50[234]) \S+$", rf"    errorfile \1 {error_page}", text)
    text = replace(r"^\s*server web\d .*$\n", "", text)
    lines = [f"    server {h.name} {h.address}:{WEB_PORT} check\n" for h in servers]
    lines.append("    http-response set-header X-Collab-Host %s\n")
    return text.rstrip("\n") + "\n" + "".join(lines)


def error_page_write(path: Path) -> None:
    """The product's own "please try again" page (templates/503.html, as
    collab/resilience.py serves it) as the raw HTTP reply HAProxy sends for 502, 503 and 504:
    a host that died mid-request, or none ready."""
    from django.template.loader import render_to_string

    body = render_to_string("503.html", {}).encode()
    head = (
        "HTTP/1.0 503 Service Unavailable\r\n"
        "Cache-Control: no-cache\r\n"
        "Connection: close\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Retry-After: 30\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    path.write_bytes(head.encode() + body)


# --------------------------------------------------------------------------------------------
# The deployment


class Deployment:
    def __init__(self, args, workdir: Path):
        self.args = args
        self.workdir = workdir
        self.processes = Processes(workdir)
        self.network = Network(use_netns=not args.loopback)
        self.postgres: Postgres | None = None
        self.redis: Redis | None = None
        self.env: dict[str, str] = {}
        self.survey_id = 0

    # -- set-up

    def up(self) -> None:
        Network.leftovers_remove()
        self.network.up()
        net = self.network
        for address, port in [
            ("127.0.0.1", BALANCER_PORT),
            (net.services, REDIS_PORT),
            (net.services, S3_PORT),
        ]:
            with socket.socket() as probe:
                probe.settimeout(1)
                if probe.connect_ex((address, port)) == 0:
                    raise RuntimeError(
                        f"{address}:{port} is in use: is another run (or a process it left)"
                        " still there?"
                    )
        log(
            f"hosts: {', '.join(f'{h.name} {h.address}' for h in net.hosts.values())}"
            f" ({'network namespaces' if net.use_netns else 'loopback addresses'});"
            f" services on {net.services}"
        )
        self.postgres = Postgres(net.services)
        self.postgres.create()
        wait_until(self._database_answers, 30, "PostgreSQL to answer")
        self.redis = Redis(self.processes, net.services, self.workdir)
        self.redis.start()
        self.processes.start(
            "s3",
            [sys.executable, "-m", "moto.server", "-H", net.services, "-p", str(S3_PORT)],
            env=dict(os.environ),
        )
        wait_until(self._bucket_create, 30, "moto's S3 server")
        self.env = self._env()
        self._database_create()
        load.django_setup(self.env)
        from django_scopes import scopes_disabled

        with scopes_disabled():
            self.survey_id = load.survey_create()
            from surveys.models import Survey

            # Residents of the run come from a few hundred addresses; each may start and
            # send more than the public link's default allows an hour, as a large block of
            # flats behind one address might.
            Survey.objects.filter(pk=self.survey_id).update(
                start_limit=1000, submit_limit=1000, burst_limit=1000
            )
        error_page_write(self.workdir / "collab-503.http")
        for name in ("web1", "web2"):
            self.web_start(name)
        self.worker_start()
        for name in ("web1", "web2"):
            self.web_wait(name)
        self.balancer_start()

    def _database_answers(self) -> bool:
        import psycopg

        with psycopg.connect(
            f"postgres://postgres@{self.network.services}:{PG_PORT}/postgres", connect_timeout=2
        ):
            return True

    def _database_create(self) -> None:
        load.database_recreate(
            f"postgres://postgres@{self.network.services}:{PG_PORT}/postgres", DATABASE
        )

    def _bucket_create(self) -> bool:
        s3 = self.s3()
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": S3_REGION})
        return True

    def s3(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=f"http://{self.network.services}:{S3_PORT}",
            region_name=S3_REGION,
            **S3_KEYS,
        )

    def _env(self) -> dict[str, str]:
        """One environment for every host, as deploy/collab.env.example has it."""
        assert self.postgres and self.redis
        env = load.server_env(self.postgres.url, self.redis.url(0))
        hosts = [h.address for h in self.network.hosts.values()]
        env.update(
            ALLOWED_HOSTS=",".join(["127.0.0.1", *hosts]),
            CACHE_URL=self.redis.url(1),
            CELERY_BROKER_URL=self.redis.url(0),
            CELERY_RESULT_BACKEND=self.redis.url(0),
            CELERY_BROKER_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
            EXPORT_LEASE_SECONDS=str(EXPORT_LEASE_SECONDS),
            EXPORT_STORAGE_BUCKET=BUCKET,
            EXPORT_STORAGE_ENDPOINT_URL=f"http://{self.network.services}:{S3_PORT}",
            EXPORT_STORAGE_REGION=S3_REGION,
            EXPORT_STORAGE_ACCESS_KEY_ID=S3_KEYS["aws_access_key_id"],
            EXPORT_STORAGE_SECRET_ACCESS_KEY=S3_KEYS["aws_secret_access_key"],
            MEDIA_ROOT=str(self.workdir / "media"),
            LOG_LEVEL="WARNING",
        )
        return env

    def web_start(self, name: str) -> None:
        host = self.network.hosts[name]
        env = {
            **self.env,
            "GUNICORN_BIND": f"{host.address}:{WEB_PORT}",
            "GUNICORN_WORKERS": str(self.args.web_workers),
            "GUNICORN_THREADS": "2",
            "GUNICORN_ACCESSLOG": str(self.workdir / f"{name}-access.log"),
        }
        command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "collab.wsgi"]
        self.processes.start(name, command, env, host.netns)

    def web_wait(self, name: str) -> None:
        base = self.base(name)
        wait_until(
            lambda: httpx.get(f"{base}/ready", timeout=3).status_code == 200,
            90,
            f"{name} to be ready",
        )

    def worker_start(self) -> None:
        host = self.network.hosts["worker"]
        worker = [
            sys.executable, "-m", "celery", "--app=collab", "worker",
            "--concurrency=2", "--without-gossip", "--without-mingle", "--loglevel=INFO",
        ]  # fmt: skip
        beat = [
            sys.executable, "-m", "celery", "--app=collab", "beat", "--loglevel=WARNING",
            f"--schedule={self.workdir / 'beat-schedule'}",
        ]  # fmt: skip
        self.processes.start("worker", worker, self.env, host.netns, supervise=True)
        self.processes.start("beat", beat, self.env, host.netns, supervise=True)

    def worker_kill(self) -> None:
        self.processes.kill("worker")
        self.processes.kill("beat")

    def balancer_start(self) -> None:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not Path(haproxy).exists():
            raise RuntimeError("haproxy is not installed: run `make scaleout-deps` as root")
        deployed = (REPO / "deploy" / "haproxy.cfg").read_text()
        webs = [self.network.hosts["web1"], self.network.hosts["web2"]]
        config = self.workdir / "haproxy.cfg"
        config.write_text(
            balancer_config(deployed, servers=webs, error_page=self.workdir / "collab-503.http")
        )
        sh(haproxy, "-c", "-q", "-f", str(config))
        self.processes.start("haproxy", [haproxy, "-db", "-f", str(config)], dict(os.environ))
        wait_until(
            lambda: httpx.get(f"{self.balancer}/ready", timeout=3).status_code == 200,
            30,
            "the balancer to answer",
        )

    # -- addresses

    @property
    def balancer(self) -> str:
        return f"http://127.0.0.1:{BALANCER_PORT}"

    def base(self, name: str) -> str:
        return f"http://{self.network.hosts[name].address}:{WEB_PORT}"

    def ready(self, name: str) -> bool:
        try:
            return httpx.get(f"{self.base(name)}/ready", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    # -- clean-up

    def down(self) -> None:
        self.processes.stop_all()
        if self.postgres is not None:
            self.postgres.drop()
        self.network.down()


# --------------------------------------------------------------------------------------------
# Residents


def client_address(n: int) -> str:
    """Simulated resident n's own address, on this machine's loopback: the balancer sees each
    resident as a client of its own, as the public link's per-network limits expect."""
    return f"127.0.{1 + (n // 200) % 200}.{1 + n % 200}"


@dataclass
class Tally:
    """What every resident of the run was told, across all its phases."""

    stats: load.Stats = field(default_factory=load.Stats)
    try_again: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    abandoned: int = 0
    served_by: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    details: list[str] = field(default_factory=list)
    resent: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class PatientResident(load.Resident):
    """A resident who, shown one of the product's "please try again" pages (503 or 429), waits
    a moment and presses the same button again, as the page asks; anything else that is not
    the expected reply is an error. `bases` are tried in turn, request by request."""

    RETRIES = 40
    # A request on a kept-alive connection that the balancer closes without a reply is sent
    # again once, at once, on a new connection, as browsers do: HAProxy closes the connection
    # that way when the host it sent the request to dies (deploy/haproxy.cfg, http-reuse), so
    # that the browser silently tries again.
    RESENDS = 1

    def __init__(self, client, bases: list[str], tally: Tally, patient: bool = True):
        super().__init__(client, bases[0], tally.stats)
        self.bases, self.tally, self.patient, self.n = bases, tally, patient, 0

    async def request(self, kind: str, method: str, path: str, data=None, expect=(200,)):
        resends = self.RESENDS
        for _attempt in range(self.RETRIES):
            self.base = self.bases[self.n % len(self.bases)]
            self.n += 1
            started = time.perf_counter()
            try:
                reply = await self.client.request(
                    method, self.base + path, data=data, headers=self._headers()
                )
            except httpx.RemoteProtocolError as error:
                if self.patient and resends and self.n > 1:
                    resends -= 1
                    self.tally.resent[kind] += 1
                    continue
                self.stats.errors[f"{kind}: {type(error).__name__}"] += 1
                self.tally.details.append(f"{method} {path}: {type(error).__name__}: {error}")
                raise load.Refused from error
            except httpx.HTTPError as error:
                self.stats.errors[f"{kind}: {type(error).__name__}"] += 1
                self.tally.details.append(
                    f"{time.strftime('%H:%M:%S')} {method} {path}: {type(error).__name__}: {error}"
                )
                raise load.Refused from error
            self.stats.latencies[kind].append(time.perf_counter() - started)
            self.tally.served_by[reply.headers.get("x-collab-host", self.base)] += 1
            for header in reply.headers.get_list("set-cookie"):
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            if reply.status_code in expect:
                if method == "GET":
                    match = load.CSRF_INPUT.search(reply.text)
                    if match:
                        self.token = match.group(1)
                return reply
            if self.patient and reply.status_code in (429, 503) and TRY_AGAIN.search(reply.text):
                self.tally.try_again[f"{kind}: HTTP {reply.status_code}"] += 1
                await asyncio.sleep(0.5 + random.random())
                continue
            self.stats.errors[f"{kind}: HTTP {reply.status_code}"] += 1
            raise load.Refused
        self.tally.abandoned += 1
        raise load.Refused


async def residents_run(
    bases: list[str],
    payloads: list,
    concurrency: int,
    tally: Tally,
    stop: threading.Event,
    total: int,
    first: int = 0,
    patient: bool = True,
) -> None:
    """`concurrency` residents one after another until `stop` is set or `total` have tried;
    each has its own address and connection."""
    claimed = 0

    async def one_after_another() -> None:
        nonlocal claimed
        while claimed < total and not stop.is_set():
            n = first + claimed
            claimed += 1
            # Through the balancer each resident comes from an address of its own; straight to
            # a host (which only the balancer does in production) from this machine's.
            local = client_address(n) if bases[0].startswith("http://127.0.0.1:") else None
            transport = httpx.AsyncHTTPTransport(local_address=local)
            async with httpx.AsyncClient(
                transport=transport, timeout=30, follow_redirects=False
            ) as client:
                resident = PatientResident(client, bases, tally, patient)
                with contextlib.suppress(load.Refused):
                    await resident.complete(payloads[n % len(payloads)])

    await asyncio.gather(*(one_after_another() for _ in range(concurrency)))


class BackgroundLoad:
    """Residents through the balancer from a thread of their own while faults are made."""

    def __init__(self, deployment: Deployment, payloads, concurrency: int, tally: Tally):
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=lambda: asyncio.run(
                residents_run(
                    [deployment.balancer], payloads, concurrency, tally, self.stop, 100_000
                )
            ),
            daemon=True,
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=120)


# --------------------------------------------------------------------------------------------
# The checks


def data_checks(checks: Checks, tally: Tally, label: str) -> None:
    from django.db import connection

    connection.close()  # the database may have been restarted since the last query
    result = load.data_check(tally.stats)
    half = result["complete_missing_required_answers"] + result["answers_on_incomplete"]
    checks.record(
        f"{label}: no response lost, duplicated or half-stored",
        not (
            result["lost"]
            or result["stored_but_not_acknowledged"]
            or result["duplicate_public_ids"]
            or result["complete_missing_required_answers"]
            or result["answers_on_incomplete"]
        ),
        f"{result['submissions_acknowledged']} acknowledged, {result['complete_stored']} stored"
        f" complete; lost {result['lost']}, stored but not acknowledged"
        f" {result['stored_but_not_acknowledged']}, duplicated {result['duplicate_public_ids']},"
        f" half-stored {half}",
    )


def check_journey_alternating(d: Deployment, checks: Checks, tally: Tally, payloads) -> None:
    """One resident, every request to the other web host than the last."""
    bases = [d.base("web1"), d.base("web2")]
    before = tally.stats.submitted
    served = defaultdict(int)
    one = Tally(stats=tally.stats)
    stop = threading.Event()
    asyncio.run(residents_run(bases, payloads, 1, one, stop, 1, first=40_000, patient=False))
    for host, n in one.served_by.items():
        served[host] += n
    ok = tally.stats.submitted == before + 1 and len(served) == 2 and not tally.stats.errors
    checks.record(
        "a resident's questionnaire alternating web hosts request by request completes",
        ok,
        ", ".join(f"{host}: {n} requests" for host, n in sorted(served.items()))
        + (f"; errors {dict(tally.stats.errors)}" if tally.stats.errors else ""),
    )


def officer_session(d: Deployment) -> tuple[Any, str, str]:
    """A research officer of the load-test council, signed in with two-factor: the session is
    stored in the shared database, as any web host's sign-in stores it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from officers.sessions import LAST_SEEN, SIGNED_IN_AT
    from officers.two_factor import HAS_TWO_FACTOR_SESSION_KEY
    from surveys.models import Council, Membership

    council = Council.objects.get(slug="load-test")
    user, _ = User.objects.get_or_create(username="scaleout-officer", email="o@load-test.example")
    user.set_password("correct horse battery staple 2014")
    user.save()
    Membership.objects.get_or_create(
        user=user, council=council, role=Membership.Role.RESEARCH_OFFICER
    )
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="Authenticator", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[HAS_TWO_FACTOR_SESSION_KEY] = True
    session[SIGNED_IN_AT] = session[LAST_SEEN] = time.time()
    session.create()
    return user, settings.SESSION_COOKIE_NAME, session.session_key


def export_queue(user, kind: str):
    from officers.models import Export
    from officers.services import export_create
    from surveys.models import Survey

    survey = Survey.objects.get(slug=load.SLUG)
    export = export_create(survey=survey, user=user, kind=kind, weighted=False)
    return Export.objects.get(pk=export.pk)


def export_wait(export_id: int, seconds: float):
    from django.db import connection

    from officers.models import Export

    def done() -> bool:
        connection.close()
        return Export.objects.get(pk=export_id).status in (
            Export.Status.READY,
            Export.Status.FAILED,
        )

    wait_until(done, seconds, f"export {export_id} to be built", every=0.5)
    return Export.objects.get(pk=export_id)


def export_downloads(d: Deployment, export, cookie: tuple[str, str]) -> dict[str, str]:
    """The export's file as each web host serves it (sha256), and the bucket's object."""
    url = f"/officer/surveys/{load.SLUG}/exports/{export.pk}/download/"
    digests = {}
    for name in ("web1", "web2"):
        reply = httpx.get(
            d.base(name) + url,
            headers={
                "Cookie": f"{cookie[0]}={cookie[1]}",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": "198.51.100.20",
            },
            timeout=30,
        )
        digests[name] = (
            hashlib.sha256(reply.content).hexdigest()
            if reply.status_code == 200
            else f"HTTP {reply.status_code} {reply.headers.get('location', '')}"
        )
    body = d.s3().get_object(Bucket=BUCKET, Key=export.file.name)["Body"].read()
    digests["bucket"] = hashlib.sha256(body).hexdigest()
    return digests


def check_export_any_host(d: Deployment, checks: Checks) -> None:
    user, cookie_name, key = officer_session(d)
    export = export_wait(export_queue(user, "xlsx").pk, 120)
    if export.status != export.Status.READY:
        checks.record(
            "an export built on the worker host", False, f"{export.status}: {export.message}"
        )
        return
    digests = export_downloads(d, export, (cookie_name, key))
    local = list((d.workdir / "media").rglob("*")) if (d.workdir / "media").exists() else []
    checks.record(
        "an export built on the worker host downloads, the same bytes, from either web host",
        digests["web1"] == digests["web2"] == digests["bucket"] and not local,
        f"{export.file.name}: web1 {digests['web1'][:12]}, web2 {digests['web2'][:12]},"
        f" bucket {digests['bucket'][:12]}; files on local disk: {len(local)}",
    )


def _form_post(client: httpx.Client, base: str, path: str, data: dict, address: str):
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": address,
        "Origin": f"https://{httpx.URL(base).netloc.decode()}",
    }
    page = client.get(base + path, headers=headers)
    token = load.CSRF_INPUT.search(page.text)
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return client.post(
        base + path,
        data={**data, "csrfmiddlewaretoken": token.group(1) if token else ""},
        headers={**headers, "Cookie": cookies},
    )


def check_limits_across_hosts(d: Deployment, checks: Checks) -> None:
    """Failures sent alternately to web1 and web2 (the balancer's X-Forwarded-For set as it
    would): each host saw half of them, yet the limit meets the client on the next try."""
    from collab.ratelimit import CODE_PER_ADDRESS, LOGIN_PER_ACCOUNT

    bases = [d.base("web1"), d.base("web2")]

    def run(path: str, data: dict, attempts: int, address: str) -> list[int]:
        statuses = []
        for i in range(attempts + 1):
            with httpx.Client(timeout=15) as client:
                # Cookies: Secure ones come back over plain HTTP here, so they are sent by hand.
                client.cookies = httpx.Cookies()
                reply = _form_post(client, bases[i % 2], path, data(i), address)
                statuses.append(reply.status_code)
        return statuses

    codes = run(
        "/code/",
        lambda i: {"code": f"ZZZZ-ZZZZ-ZZ{i:02d}"},
        CODE_PER_ADDRESS.attempts,
        "198.51.100.7",
    )
    checks.record(
        "wrong codes counted across hosts: the limit meets the 11th try on either host",
        codes[:-1] == [400] * CODE_PER_ADDRESS.attempts and codes[-1] == 429,
        f"replies {codes}",
    )
    sign_in = run(
        "/accounts/login/",
        lambda i: {"username": "scaleout-guessed", "password": f"wrong-{i}"},
        LOGIN_PER_ACCOUNT.threshold,
        "198.51.100.8",
    )
    checks.record(
        "failed sign-ins counted across hosts: the account is locked on both",
        sign_in[-1] == 429 and 429 not in sign_in[: LOGIN_PER_ACCOUNT.threshold - 1],
        f"replies {sign_in}",
    )


def check_load(d: Deployment, checks: Checks, tally: Tally, payloads, concurrency, seconds):
    stop = threading.Event()
    before = tally.stats.submitted

    def enough() -> None:
        # `seconds` of load, and on a slow machine longer (at most five times), until the
        # survey has responses enough for the export that follows to show its figures.
        deadline = time.monotonic() + 5 * seconds
        stop.wait(seconds)
        while tally.stats.submitted - before < MIN_QUESTIONNAIRES and time.monotonic() < deadline:
            stop.wait(0.5)
        stop.set()

    watcher = threading.Thread(target=enough, daemon=True)
    watcher.start()
    started = time.perf_counter()
    asyncio.run(
        residents_run([d.balancer], payloads, concurrency, tally, stop, 100_000, 1000, False)
    )
    stop.set()
    elapsed = time.perf_counter() - started
    done = tally.stats.submitted - before
    hosts = {h: n for h, n in tally.served_by.items() if h.startswith("web")}
    checks.record(
        "the load test through the balancer: no request failed, both hosts served",
        not tally.stats.errors and len(hosts) == 2,
        f"{done} questionnaires in {elapsed:.0f} s ({done / elapsed:.1f}/s) at {concurrency}"
        f" concurrent; requests by host {hosts}; errors {dict(tally.stats.errors) or 'none'}",
    )


# -- faults


def ready_both(d: Deployment, seconds: float = 60) -> None:
    wait_until(lambda: d.ready("web1") and d.ready("web2"), seconds, "both web hosts ready")


def _since(now: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in now.items() if v - before.get(k, 0)}


def fault(name: str, figures: dict, tally: Tally, action, d: Deployment) -> None:
    errors, retries, resent = dict(tally.stats.errors), dict(tally.try_again), dict(tally.resent)
    restarts = dict(d.processes.restarts)
    before_done = tally.stats.submitted
    started = time.monotonic()
    log(f"fault: {name}")
    back = action()
    figures[name] = {
        "ready_again_after_s": round(back - started, 1),
        "with_load_after_s": round(time.monotonic() - started, 1),
        "questionnaires_completed_meanwhile": tally.stats.submitted - before_done,
        "try_again_pages": _since(tally.try_again, retries),
        "closed_without_reply_and_resent": _since(tally.resent, resent),
        "other_errors": _since(tally.stats.errors, errors),
        "restarted_by_supervisor": _since(d.processes.restarts, restarts),
    }
    log(f"  {figures[name]}")


def run_faults(d: Deployment, checks: Checks, tally: Tally, payloads, args) -> dict:
    figures: dict[str, dict] = {}
    settle = args.settle
    user, cookie_name, key = officer_session(d)
    with BackgroundLoad(d, payloads, args.concurrency, tally):
        time.sleep(settle)

        def postgres_restart() -> float:
            d.postgres.restart()
            ready_both(d)
            back = time.monotonic()
            time.sleep(settle)
            return back

        def redis_restart() -> float:
            d.redis.restart()
            ready_both(d)
            back = time.monotonic()
            time.sleep(settle)
            return back

        def web_killed() -> float:
            d.processes.kill("web1")
            time.sleep(settle)  # the balancer finds it gone; web2 serves everyone
            d.web_start("web1")
            d.web_wait("web1")
            back = time.monotonic()
            time.sleep(settle)
            return back

        if "postgres" in args.only:
            fault("PostgreSQL restarted", figures, tally, postgres_restart, d)
        if "redis" in args.only:
            fault("Redis restarted", figures, tally, redis_restart, d)
        if "web" in args.only:
            fault(
                "web host killed (web1, SIGKILL) and started again", figures, tally, web_killed, d
            )

        export_outcome: dict[str, Any] = {}

        def worker_killed() -> float:
            from django.db import connection

            from officers.models import Export

            for kind in ("xlsx", "pdf", "xlsx"):
                connection.close()
                export = export_queue(user, kind)
                caught = False
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    state = Export.objects.filter(pk=export.pk).values_list("status", flat=True)[0]
                    if state == Export.Status.RUNNING:
                        d.worker_kill()
                        caught = True
                        break
                    if state in (Export.Status.READY, Export.Status.FAILED):
                        break
                    time.sleep(0.02)
                if caught:
                    break
                log(f"  export {export.pk} ({kind}) finished before the kill; another")
                export_wait(export.pk, 90)
            else:
                export_outcome["caught"] = False
                d.worker_kill()
            export_outcome.setdefault("caught", True)
            export_outcome["id"] = export.pk
            # The host comes back once its task has been taken longer than the visibility
            # timeout, so the new worker hands it back as it starts (a worker also sweeps for
            # such tasks every few minutes, which a run this short would wait for).
            time.sleep(VISIBILITY_TIMEOUT + 2)
            d.worker_start()
            export_outcome["export"] = export_wait(export.pk, 120 + EXPORT_LEASE_SECONDS)
            return time.monotonic()  # the export cut off is built

        if "worker" in args.only:
            fault(
                "worker host killed mid-export and started again", figures, tally, worker_killed, d
            )
        time.sleep(settle)
    log("load stopped; waiting for the worker to finish what is queued")
    queue_drained(d)

    export = export_outcome.get("export") if "worker" in args.only else None
    if export is not None:
        objects = d.s3().list_objects_v2(Bucket=BUCKET).get("Contents", [])
        folder = export.file.name.rsplit("/", 1)[0] if export.file else ""
        mine = [
            o["Key"]
            for o in objects
            if o["Key"].startswith(f"{folder}/{export.pk}-") or o["Key"] == export.file.name
        ]
        cookie = (cookie_name, key)
        digests = export_downloads(d, export, cookie) if export.status == "ready" else {}
        checks.record(
            "the export cut off with its worker was built once more and stored once",
            export_outcome["caught"]
            and export.status == "ready"
            and export.attempts == 2
            and mine == [export.file.name]
            and digests.get("web1") == digests.get("web2") == digests.get("bucket"),
            f"export {export.pk}: status {export.status}, attempts {export.attempts},"
            f" objects in the bucket for it: {mine}",
        )
    return figures


def queue_drained(d: Deployment, seconds: float = 120) -> None:
    import redis

    r = redis.Redis.from_url(d.redis.url(0))

    def empty() -> bool:
        return not r.llen("celery") and not r.hlen("unacked")

    wait_until(empty, seconds, "the queue to drain", every=1)


# --------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faults", action="store_true", help="the fault run instead of checks")
    parser.add_argument("--all", action="store_true", help="the checks, then the faults")
    parser.add_argument("--quick", action="store_true", help="a short run (CI)")
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="load test length")
    parser.add_argument("--settle", type=float, default=None, help="load between faults, s")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per host")
    parser.add_argument("--loopback", action="store_true", help="no namespaces: 127.0.0.2-4")
    parser.add_argument("--timeout", type=float, default=None, help="the whole run, at most")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the logs' folder")
    parser.add_argument(
        "--only",
        default="postgres,redis,web,worker",
        help="the faults to make, of postgres,redis,web,worker (all by default)",
    )
    parser.add_argument(
        "--error-page",
        type=Path,
        metavar="PATH",
        help="only write the balancer's error page (deploy/haproxy.cfg's errorfile) and exit",
    )
    args = parser.parse_args()
    if args.error_page:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")
        os.environ.setdefault("DEBUG", "1")
        import django

        django.setup()
        error_page_write(args.error_page)
        return 0
    args.concurrency = args.concurrency or (8 if args.quick else 30)
    args.seconds = args.seconds or (15 if args.quick else 60)
    args.settle = args.settle or (4 if args.quick else 10)
    args.timeout = args.timeout or (240 if args.quick else 900)
    if not 1 <= args.concurrency <= 200 or not 1 <= args.seconds <= 900:
        parser.error("concurrency 1-200, seconds 1-900: this script stays bounded")
    if os.geteuid() != 0:
        sys.exit("deploy/scaleout.py needs root: network namespaces and a PostgreSQL cluster")
    do_checks = args.all or not args.faults
    do_faults = args.all or args.faults

    workdir = Path(tempfile.mkdtemp(prefix="collab-scaleout-"))
    deployment = Deployment(args, workdir)
    checks = Checks()
    report: dict[str, Any] = {"command": " ".join([Path(sys.executable).name, *sys.argv])}

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    def on_alarm(signum, frame):
        raise CheckFailed(f"the run took longer than --timeout {args.timeout:.0f} s")

    # Set even where the shell started this with SIGINT ignored (in the background).
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.timeout))
    started = time.monotonic()
    try:
        from django_scopes import scopes_disabled

        deployment.up()
        log(f"deployment up in {time.monotonic() - started:.0f} s; logs in {workdir}")
        with scopes_disabled():
            payloads = load.page_payloads(200, 2014)
            tally = Tally()
            if do_checks:
                check_journey_alternating(deployment, checks, tally, payloads)
                check_limits_across_hosts(deployment, checks)
                check_load(deployment, checks, tally, payloads, args.concurrency, args.seconds)
                # After the load test: an export needs responses enough to show any figure.
                check_export_any_host(deployment, checks)
                data_checks(checks, tally, "checks")
            if do_faults:
                faults_tally = Tally(stats=tally.stats)
                report["faults"] = run_faults(deployment, checks, faults_tally, payloads, args)
                checks.record(
                    "under faults, every refused request was a 'please try again' page",
                    not tally.stats.errors,
                    f"try-again pages {dict(faults_tally.try_again) or 'none'};"
                    f" other errors {dict(tally.stats.errors) or 'none'};"
                    f" residents who gave up {faults_tally.abandoned}",
                )
                for line in faults_tally.details[:20]:
                    log(f"  error: {line}")
                data_checks(checks, tally, "faults")
                queue_drained(deployment)
                checks.record("nothing left queued or taken unacknowledged", True)
    except CheckFailed as error:
        checks.record("run", False, str(error))
    except KeyboardInterrupt as error:
        checks.record("run", False, f"interrupted ({error})")
    except Exception as error:  # every failure is reported as one, and cleaned up after
        import traceback

        traceback.print_exc()
        checks.record("run", False, f"{type(error).__name__}: {error}")
    finally:
        signal.alarm(0)
        # A second Ctrl-C must not cut the clean-up short.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        log("cleaning up: processes, cluster, namespaces")
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        deployment.down()
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    report["checks"] = [{"check": n, "ok": ok, "detail": t} for n, ok, t in checks.results]
    passed = sum(ok for _, ok, _ in checks.results)
    print(json.dumps(report, indent=2))
    print(f"scaleout: {passed} passed, {len(checks.results) - passed} failed")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    if checks.ok and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"logs: {workdir}")
    return 0 if checks.ok else 1


if __name__ == "__main__":
    sys.exit(main())
