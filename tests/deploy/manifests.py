"""Reading ``deploy/``: render the overlays, parse the Dockerfile, run a Deployment locally.

:func:`check_deployment` is the heart of the manifest-driven start test. It takes the
rendered objects and starts one service exactly as its Deployment says: the
container's command and arguments (the image's ``ENTRYPOINT``/``CMD`` from the
Dockerfile when the manifest leaves them out, ``kring`` translated to this checkout's
``.venv``), the environment from the ConfigMaps and Secrets the container references
(Secret values supplied by the test), then probes the startup, readiness and liveness
paths on the port the probes name. It returns the problems it found; an empty list
means the manifest starts the service the way the code expects.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec
import yaml

from services.cli import SERVICES, service_module

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
OVERLAYS = ("dev", "prod")
BIN = Path(sys.executable).parent
KUBECTL = BIN / "kubectl"
IMAGE_BIN = "/app/.venv/bin"
"""Where the image's environment puts ``kring`` (deploy/Dockerfile); here it is ``.venv/bin``."""

Objects = list[dict[str, Any]]


# --- rendering -------------------------------------------------------------------


def render(path: Path) -> Objects:
    """``kubectl kustomize PATH``: the objects an overlay produces."""
    result = subprocess.run(
        [str(KUBECTL), "kustomize", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize {path} failed:\n{result.stderr}")
    return [obj for obj in yaml.safe_load_all(result.stdout) if obj]


def find(objects: Objects, kind: str, name: str) -> dict[str, Any]:
    for obj in objects:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    raise KeyError(f"{kind}/{name}")


def of_kind(objects: Objects, kind: str) -> list[dict[str, Any]]:
    return [obj for obj in objects if obj["kind"] == kind]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    """The pod a Deployment or Job runs (a CronJob's: its Job template's)."""
    if workload["kind"] == "CronJob":
        workload = workload["spec"]["jobTemplate"]
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


# --- the Dockerfile --------------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]

    def last(self, keyword: str) -> str | None:
        found = self.all(keyword)
        return found[-1] if found else None


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages with their instructions (continuation lines joined, comments dropped)."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    if pending:
        lines.append(pending)
    stages: list[Stage] = []
    for line in lines:
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        if keyword == "FROM":
            parts = args.split()
            parts = [p for p in parts if not p.startswith("--platform")]
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base=parts[0], name=name))
        elif keyword == "ARG" and not stages:
            continue
        else:
            if not stages:
                raise ValueError(f"instruction before FROM: {line}")
            stages[-1].instructions.append((keyword, args))
    return stages


def exec_form(args: str) -> list[str]:
    """``["kring", "serve"]`` -> a list; a shell form is refused (signals would not reach us)."""
    value = json.loads(args)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"not an exec form: {args}")
    return value


def key_values(args: str) -> dict[str, str]:
    """``LABEL``/``ENV`` arguments in ``key=value`` form."""
    pairs: dict[str, str] = {}
    for token in shlex.split(args):
        key, sep, value = token.partition("=")
        if not sep:
            raise ValueError(f"not key=value: {token}")
        pairs[key] = value
    return pairs


@dataclass(frozen=True)
class Image:
    entrypoint: list[str]
    cmd: list[str]
    env: dict[str, str]
    labels: dict[str, str]
    user: str | None


def image_config(text: str | None = None) -> Image:
    """What the final stage of deploy/Dockerfile gives a container."""
    final = parse_dockerfile(DOCKERFILE.read_text() if text is None else text)[-1]
    env: dict[str, str] = {}
    for args in final.all("ENV"):
        env.update(key_values(args))
    labels: dict[str, str] = {}
    for args in final.all("LABEL"):
        labels.update(key_values(args))
    entrypoint = final.last("ENTRYPOINT")
    cmd = final.last("CMD")
    return Image(
        entrypoint=exec_form(entrypoint) if entrypoint else [],
        cmd=exec_form(cmd) if cmd else [],
        env=env,
        labels=labels,
        user=final.last("USER"),
    )


def container_argv(container: Mapping[str, Any], image: Image) -> list[str]:
    """Kubernetes' rule: ``command`` replaces ENTRYPOINT, ``args`` replaces CMD."""
    if "command" in container:
        return [*container["command"], *container.get("args", [])]
    if "args" in container:
        return [*image.entrypoint, *container["args"]]
    return [*image.entrypoint, *image.cmd]


def local_argv(argv: list[str]) -> list[str]:
    """The image runs ``kring`` from /app/.venv/bin; here the same program is in ``.venv/bin``."""
    if not argv:
        raise ValueError("the container has no command")
    program = argv[0]
    if "/" in program:
        if not program.startswith(IMAGE_BIN + "/"):
            raise ValueError(f"{program} is not in the image's environment ({IMAGE_BIN})")
        program = program.rpartition("/")[2]
    local = BIN / program
    if not local.exists():
        raise ValueError(f"{program!r} is not a program of the image's environment")
    return [str(local), *argv[1:]]


# --- environment -----------------------------------------------------------------

Secrets = Mapping[tuple[str, str], str]
"""Secret values by (Secret name, key), supplied by the test: nothing secret is committed."""

_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def container_env(
    container: Mapping[str, Any], objects: Objects, secrets: Secrets
) -> tuple[dict[str, str], list[str]]:
    """The variables the kubelet would set (``envFrom`` then ``env``), and what is missing."""
    problems: list[str] = []
    env: dict[str, str] = {}
    config_maps = {obj["metadata"]["name"]: obj for obj in of_kind(objects, "ConfigMap")}
    for source in container.get("envFrom", []):
        prefix = source.get("prefix", "")
        if ref := source.get("configMapRef"):
            config_map = config_maps.get(ref["name"])
            if config_map is None:
                if not ref.get("optional"):
                    problems.append(f"envFrom names ConfigMap {ref['name']}, which is not rendered")
                continue
            for key, value in (config_map.get("data") or {}).items():
                env[prefix + key] = value
        elif ref := source.get("secretRef"):
            keys = {key: value for (name, key), value in secrets.items() if name == ref["name"]}
            if not keys and not ref.get("optional"):
                problems.append(f"envFrom names Secret {ref['name']}, which the test does not know")
            for key, value in keys.items():
                env[prefix + key] = value
    for var in container.get("env", []):
        name = var["name"]
        if "value" in var:
            env[name] = _REFERENCE.sub(lambda m: env.get(m.group(1), m.group(0)), var["value"])
            continue
        source = var.get("valueFrom", {})
        if ref := source.get("secretKeyRef"):
            value = secrets.get((ref["name"], ref["key"]))
            if value is None:
                if not ref.get("optional"):
                    problems.append(
                        f"{name} reads Secret {ref['name']} key {ref['key']!r}, "
                        "which is not a documented secret"
                    )
                continue
            env[name] = value
        elif ref := source.get("configMapKeyRef"):
            data = (config_maps.get(ref["name"]) or {}).get("data") or {}
            if ref["key"] in data:
                env[name] = data[ref["key"]]
            elif not ref.get("optional"):
                problems.append(f"{name} reads ConfigMap {ref['name']} key {ref['key']!r}: missing")
        else:
            problems.append(f"{name}: unsupported source {sorted(source)}")
    return env, problems


def settings_variables(service: str) -> set[str]:
    """Every ``KRING_*`` variable the service reads (services/kit/settings.py ``from_env``)."""
    config = service_module(service, "config")
    settings = config.load_settings({}, database_url="postgresql://settings@/none")
    return {"KRING_" + f.name.upper() for f in msgspec.structs.fields(type(settings))}


def unknown_variables(env: Mapping[str, str], known: set[str]) -> list[str]:
    return [
        f"{name} is set but the code reads no such variable (a misspelling?)"
        for name in sorted(env)
        if name.startswith("KRING_") and name not in known
    ]


# --- processes ---------------------------------------------------------------------


def listening_ports(pid: int) -> set[int]:
    """TCP ports a process listens on (Linux /proc; empty elsewhere)."""
    inodes: set[str] = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        ports: set[int] = set()
        for table in ("tcp", "tcp6"):
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
            for line in lines:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in inodes:  # 0A: LISTEN
                    ports.add(int(cols[1].rpartition(":")[2], 16))
        return ports
    except OSError:
        return set()


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def base_environment(image: Image, home: Path) -> dict[str, str]:
    """The image's ENV; its PATH becomes this checkout's ``.venv/bin``, HOME a temp dir."""
    env = {k: v for k, v in image.env.items() if k not in {"PATH", "HOME"}}
    env["PATH"] = f"{BIN}{os.pathsep}{os.defpath}"
    env["HOME"] = str(home)
    env["TMPDIR"] = str(home)
    return env


# --- probes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    kind: str
    path: str
    port: int


def container_port(container: Mapping[str, Any], port: int | str) -> int | None:
    if isinstance(port, int):
        return port
    for declared in container.get("ports", []):
        if declared.get("name") == port:
            return int(declared["containerPort"])
    return None


def probes(container: Mapping[str, Any]) -> tuple[list[Probe], list[str]]:
    found: list[Probe] = []
    problems: list[str] = []
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = container.get(kind)
        if probe is None:
            continue
        get = probe.get("httpGet")
        if get is None:
            problems.append(f"{kind} is not an httpGet probe")
            continue
        if get.get("scheme", "HTTP") != "HTTP":
            problems.append(f"{kind} uses scheme {get['scheme']}; the services speak plain HTTP")
        port = container_port(container, get["port"])
        if port is None:
            problems.append(
                f"{kind} names port {get['port']!r}, which the container does not declare"
            )
            continue
        found.append(Probe(kind, get.get("path", "/"), port))
    return found, problems


def _succeeds(status: int) -> bool:
    return 200 <= status < 400  # the kubelet's rule for httpGet probes


# --- the check -----------------------------------------------------------------------

Check = Callable[[httpx.Client, str], list[str]]


def check_deployment(
    objects: Objects,
    service: str,
    *,
    secrets: Secrets,
    replace: Mapping[str, str] = {},
    workdir: Path,
    extra_check: Check | None = None,
    timeout: float = 120.0,
) -> list[str]:
    """Start ``service`` as its rendered Deployment says; the problems found (empty: it works).

    ``replace`` swaps the values (never the names) of variables the manifest sets and
    that point outside this machine, such as the identity provider's JWKS URL.
    """
    problems: list[str] = []
    try:
        deployment = find(objects, "Deployment", service)
    except KeyError:
        return [f"no Deployment {service}"]
    containers = pod_spec(deployment)["containers"]
    if len(containers) != 1:
        return [f"{service}: expected one container, found {len(containers)}"]
    container = containers[0]
    image = image_config()
    try:
        argv = local_argv(container_argv(container, image))
    except ValueError as exc:
        return [f"{service}: {exc}"]
    env, env_problems = container_env(container, objects, secrets)
    problems += env_problems
    problems += unknown_variables(env, settings_variables(service))
    for name, value in replace.items():
        if name in env:
            env[name] = value
    found, probe_problems = probes(container)
    problems += probe_problems
    kinds = {probe.kind for probe in found}
    for required in ("readinessProbe", "livenessProbe"):
        if required not in kinds:
            problems.append(f"{service}: no {required}")
    if problems:
        return problems

    # The manifest's ports, on this machine: the same number when it is free. When
    # another process holds it (a `make run` next door), one consistent substitute
    # for that number in the arguments and the probes, so equal stays equal.
    declared = sorted({probe.port for probe in found})
    ports = {port: port if port_free(port) else free_port() for port in declared}
    argv = [str(ports[int(a)]) if a.isdigit() and int(a) in ports else a for a in argv]
    found = [Probe(p.kind, p.path, ports[p.port]) for p in found]
    metrics = int(env.get("KRING_METRICS_PORT") or 0)  # /metrics apart from the API
    if metrics and not port_free(metrics):
        metrics = free_port()
        env["KRING_METRICS_PORT"] = str(metrics)

    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{service}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            argv,
            env={**base_environment(image, workdir), **env},
            cwd=workdir,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        ignored = frozenset({metrics} - {0})
        problems += _probe(process, service, found, timeout=timeout, log=log, ignore=ignored)
        ready = next((p for p in found if p.kind == "readinessProbe"), None)
        if not problems and metrics and ready is not None:
            problems += _metrics_apart(service, metrics, api=ready.port)
        if not problems and extra_check is not None and ready is not None:
            with httpx.Client(timeout=5.0) as client:
                problems += extra_check(client, f"http://127.0.0.1:{ready.port}")
    finally:
        stop(process)
    return problems


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _metrics_apart(service: str, metrics: int, *, api: int) -> list[str]:
    """/metrics answers on its own port, and not on the API's."""
    with httpx.Client(timeout=5.0) as client:
        own = client.get(f"http://127.0.0.1:{metrics}/metrics").status_code
        public = client.get(f"http://127.0.0.1:{api}/metrics").status_code
    problems = [] if own == 200 else [f"{service} /metrics on port {metrics} answered {own}"]
    if public != 404:
        problems.append(f"{service} /metrics on the API's port answered {public}, not 404")
    return problems


def _probe(
    process: subprocess.Popen[bytes],
    service: str,
    found: list[Probe],
    *,
    timeout: float,
    log: Path,
    ignore: frozenset[int] = frozenset(),
) -> list[str]:
    deadline = time.monotonic() + timeout
    wanted = {probe.port for probe in found}
    # Up: uvicorn listens once the app's startup has run (the metrics' own port, ``ignore``,
    # opens during that startup). On which port is the question.
    while True:
        if process.poll() is not None:
            return [f"{service} exited with status {process.returncode}:\n{_tail(log)}"]
        listening = listening_ports(process.pid) - ignore
        if listening:
            missing = wanted - listening
            if missing:
                return [
                    f"{service} listens on {sorted(listening)} but the probes use {sorted(missing)}"
                ]
            break
        if time.monotonic() > deadline:
            return [f"{service} did not listen on {sorted(wanted)} within {timeout:.0f}s"]
        time.sleep(0.1)
    problems: list[str] = []
    with httpx.Client(timeout=3.0) as client:
        for probe in found:
            url = f"http://127.0.0.1:{probe.port}{probe.path}"
            status, body = None, ""
            while time.monotonic() < deadline:
                try:
                    response = client.get(url)
                    status, body = response.status_code, response.text[:300]
                except httpx.HTTPError:
                    status, body = None, ""
                # 404/405 will not change while the process runs: no point in waiting.
                if status is not None and (_succeeds(status) or status in {404, 405}):
                    break
                time.sleep(0.2)
            if status is None or not _succeeds(status):
                problems.append(
                    f"{service} {probe.kind} GET {probe.path} answered {status} {body}".rstrip()
                )
    return problems


def run_job(
    objects: Objects,
    name: str,
    *,
    secrets: Secrets,
    workdir: Path,
    timeout: float = 120.0,
    kind: str = "Job",
) -> list[str]:
    """Run a Job's (or a CronJob's) container as the manifest says, to completion; the
    problems found."""
    job = find(objects, kind, name)
    containers = pod_spec(job)["containers"]
    if len(containers) != 1:
        return [f"{name}: expected one container, found {len(containers)}"]
    container = containers[0]
    image = image_config()
    try:
        argv = local_argv(container_argv(container, image))
    except ValueError as exc:
        return [f"{name}: {exc}"]
    env, problems = container_env(container, objects, secrets)
    if problems:
        return problems
    workdir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        argv,
        env={**base_environment(image, workdir), **env},
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        return [f"{name} exited with status {result.returncode}: {result.stderr[-2000:]}"]
    return []


# --- ingress ---------------------------------------------------------------------------


def ingress_backend(objects: Objects, host: str, path: str) -> str | None:
    """The Service an Ingress routes ``host`` + ``path`` to (Kubernetes' Exact/Prefix rules)."""
    best: tuple[int, int, str] | None = None
    for ingress in of_kind(objects, "Ingress"):
        for rule in ingress["spec"].get("rules", []):
            if rule.get("host", host) != host:
                continue
            for entry in rule.get("http", {}).get("paths", []):
                kind, prefix = entry["pathType"], entry.get("path", "/")
                if kind == "Exact":
                    matched = path == prefix
                elif kind == "Prefix":
                    want = [s for s in prefix.split("/") if s]
                    have = [s for s in path.split("/") if s]
                    matched = have[: len(want)] == want
                else:
                    raise AssertionError(f"pathType {kind} is implementation specific")
                if matched:
                    rank = (int(kind == "Exact"), len(prefix), entry["backend"]["service"]["name"])
                    if best is None or rank[:2] > best[:2]:
                        best = rank
    return best[2] if best else None


def hosts(objects: Objects) -> dict[str, str]:
    """Service name -> the host its public API is served on."""
    found: dict[str, str] = {}
    for ingress in of_kind(objects, "Ingress"):
        for rule in ingress["spec"].get("rules", []):
            for entry in rule.get("http", {}).get("paths", []):
                found.setdefault(entry["backend"]["service"]["name"], rule["host"])
    return found


def walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a nested document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


__all__ = ["OVERLAYS", "ROOT", "SERVICES"]
