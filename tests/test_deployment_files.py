"""The deployment files (Dockerfile, docker-compose.yml, .dockerignore) agree with the code.

Docker does not run in CI, so these tests read the files and hold them against the project:
a renamed setting, a moved health view, a wrong WSGI or Celery module or a service that
loses its health check fails here instead of on the first deployment.

PyYAML is not a dependency: docker-compose.yml is read by `_Compose` below, which knows
the subset of YAML the file uses (block mappings and sequences, 2-space indentation,
`&anchor` / `*alias` / `<<:` merges, and one-line flow sequences written as JSON). A
construct it does not know makes these tests fail loudly rather than pass blindly.
"""

import importlib
import json
import re
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import get_commands
from django.http.request import validate_host
from django.urls import resolve

from portal.views import public

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SETTINGS_FILE = ROOT / "portal" / "settings.py"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"

SERVICES = {"postgres", "redis", "web", "worker", "beat", "sweeper", "proxy"}
# The services that run the portal's own image (they merge the x-portal-app anchor).
PORTAL_SERVICES = {"migrate", "web", "worker", "beat", "sweeper"}

_KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key><<|[A-Za-z0-9_.-]+):(?: +(?P<value>.*))?$")
_ITEM_LINE = re.compile(r"^(?P<indent> *)- +(?P<value>.*)$")


def _scalar(text):
    """A YAML scalar or one-line flow sequence, as this compose file writes them."""
    text = text.strip()
    if text.startswith("["):
        return json.loads(text)
    if text.startswith('"'):
        return json.loads(text)
    if text.startswith("'"):
        assert text.endswith("'"), f"unterminated single-quoted scalar: {text}"
        return text[1:-1].replace("''", "'")
    return text


class _Node:
    """A block: the value written on the key's own line and the more indented lines below."""

    def __init__(self, inline, lines):
        self.inline = inline
        self.lines = lines

    @property
    def anchor(self):
        return self.inline[1:] if self.inline.startswith("&") else None

    @property
    def alias(self):
        return self.inline[1:] if self.inline.startswith("*") else None

    def mapping(self):
        """The child keys of this block, in order (key -> _Node)."""
        if not self.lines:
            return {}
        indent = len(self.lines[0]) - len(self.lines[0].lstrip(" "))
        children = {}
        current = None
        for line in self.lines:
            width = len(line) - len(line.lstrip(" "))
            if width == indent:
                match = _KEY_LINE.match(line)
                assert match, f"docker-compose.yml: not a `key: value` line: {line!r}"
                current = match["key"]
                assert current not in children, f"docker-compose.yml: {current} twice"
                children[current] = _Node((match["value"] or "").strip(), [])
            else:
                assert width > indent and current, f"docker-compose.yml: bad indent: {line!r}"
                children[current].lines.append(line)
        return children

    def sequence(self):
        if self.inline.startswith("["):
            return _scalar(self.inline)
        items = []
        for line in self.lines:
            match = _ITEM_LINE.match(line)
            assert match, f"docker-compose.yml: only one-line sequence items: {line!r}"
            items.append(_scalar(match["value"]))
        return items

    def value(self):
        assert not self.lines, "a block where a scalar was expected"
        return _scalar(self.inline)


class _Compose:
    def __init__(self, text):
        self.text = text
        lines = [
            line.rstrip()
            for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
        self.top = _Node("", lines).mapping()
        self.anchors = {node.anchor: node for node in self.top.values() if node.anchor}

    def resolve(self, node):
        if node.alias:
            assert node.alias in self.anchors, f"unknown alias *{node.alias}"
            return self.anchors[node.alias]
        return node

    @cached_property
    def services(self):
        """Each service's keys, with `<<: *anchor` merges applied (own keys win)."""
        result = {}
        for name, node in self.top["services"].mapping().items():
            own = node.mapping()
            merged = {}
            if "<<" in own:
                merged.update(self.resolve(own.pop("<<")).mapping())
            merged.update(own)
            result[name] = merged
        return result

    def environment(self, service):
        node = self.services[service].get("environment")
        if node is None:
            return {}
        env = self.resolve(node).mapping()
        return {name: value.value() for name, value in env.items()}

    def command(self, service):
        return self.services[service]["command"].sequence()

    def healthcheck_test(self, service):
        return self.services[service]["healthcheck"].mapping()["test"].sequence()


@pytest.fixture(scope="module")
def compose():
    return _Compose(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def settings_env_names():
    """Every environment variable that portal/settings.py reads through django-environ."""
    source = SETTINGS_FILE.read_text()
    names = set(
        re.findall(
            r"\b(?:env|Env\(\))\s*(?:\.\s*[a-z_]+)?\s*\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']",
            source,
        )
    )
    # Sanity: the pattern still finds what settings.py is known to read.
    assert {"DATABASE_URL", "SECRET_KEY", "PORTAL_VAR_DIR"} <= names, names
    return names


@pytest.fixture(scope="module")
def dockerfile():
    return DOCKERFILE.read_text()


def _dockerfile_instructions(text):
    """(INSTRUCTION, arguments) pairs, with backslash continuations joined."""
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            result.append((instruction.upper(), arguments.strip()))
    return result


def _dockerfile_cmd(text):
    cmds = [args for instr, args in _dockerfile_instructions(text) if instr == "CMD"]
    assert cmds, "the Dockerfile has no CMD"
    return json.loads(cmds[-1])


def _option(argv, name):
    return argv[argv.index(name) + 1]


def _with_defaults(value):
    """A compose value as compose gives it when no variable is set: ${NAME:-default} becomes
    its default, ${NAME} and ${NAME:?error} become nothing."""

    def default(match):
        return match["default"] if match["op"] in {":-", "-"} else ""

    pattern = r"\$\{[A-Za-z0-9_]+(?:(?P<op>:?[-?])(?P<default>[^}]*))?\}"
    return re.sub(pattern, default, value)


# --- docker-compose.yml ---------------------------------------------------------------


def test_the_services_exist(compose):
    assert set(compose.services) >= SERVICES
    assert set(compose.services) <= SERVICES | PORTAL_SERVICES


def test_every_long_running_service_has_a_healthcheck(compose):
    for name in SERVICES:
        assert "healthcheck" in compose.services[name], f"{name} has no healthcheck"
        test = compose.healthcheck_test(name)
        assert test[0] in {"CMD", "CMD-SHELL"} and len(test) > 1, f"{name}: {test}"


def test_postgres_and_redis_healthchecks(compose):
    assert compose.services["postgres"]["image"].value().startswith("postgres:15")
    assert "pg_isready" in " ".join(compose.healthcheck_test("postgres"))
    assert compose.services["redis"]["image"].value().startswith("redis:7")
    assert compose.healthcheck_test("redis")[1:] == ["redis-cli", "ping"]


def test_portal_services_run_the_image_built_here(compose):
    for name in PORTAL_SERVICES & set(compose.services):
        service = compose.services[name]
        assert service["build"].value() == ".", name
        assert compose.environment(name), f"{name} gets no environment"


def test_web_runs_gunicorn_on_the_wsgi_application(compose, dockerfile):
    command = compose.command("web")
    assert command[0] == "gunicorn"
    assert "portal.wsgi:application" in command
    # The image's default command is the same server.
    assert _dockerfile_cmd(dockerfile) == command


def test_worker_runs_the_celery_worker(compose):
    assert compose.command("worker")[:4] == ["celery", "-A", "portal", "worker"]
    health = " ".join(compose.healthcheck_test("worker"))
    assert "celery -A portal inspect ping" in health
    # `$$` reaches the shell as `$`; a single `$` would be interpolated (to nothing) by compose.
    assert "celery@$$HOSTNAME" in health


def test_beat_runs_celery_beat(compose):
    command = compose.command("beat")
    assert command[:4] == ["celery", "-A", "portal", "beat"]
    schedule = _option(command, "--schedule")
    # The health check looks for the schedule file that the command names.
    assert schedule in " ".join(compose.healthcheck_test("beat"))


def test_migrations_run_before_the_portal_starts(compose):
    migrate = compose.command("migrate")
    script = " ".join(migrate)
    assert "manage.py migrate --noinput" in script
    assert "manage.py load_reference_data" in script
    assert {"migrate", "load_reference_data"} <= set(get_commands())
    for name in {"web", "worker", "beat"}:
        depends = compose.services[name]["depends_on"].mapping()
        condition = depends["migrate"].mapping()["condition"].value()
        assert condition == "service_completed_successfully", name
    for name, service in compose.services.items():
        for dependency, spec in service.get("depends_on", _Node("", [])).mapping().items():
            assert dependency in compose.services, f"{name} depends on unknown {dependency}"
            if dependency in {"postgres", "redis"}:
                assert spec.mapping()["condition"].value() == "service_healthy", name


def test_compose_environment_names_are_read_by_settings(compose, settings_env_names):
    for name in PORTAL_SERVICES & set(compose.services):
        unknown = set(compose.environment(name)) - settings_env_names
        assert not unknown, f"{name}: settings.py reads no {sorted(unknown)}"
    # The values a deployer sets (${NAME}) are settings names as well.
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Za-z0-9_]+)", compose.text))
    assert interpolated, "no ${VARIABLE} in docker-compose.yml?"
    assert not interpolated - settings_env_names, sorted(interpolated - settings_env_names)
    # The images' own variables are theirs.
    assert all(name.startswith("POSTGRES_") for name in compose.environment("postgres"))


def test_compose_environment_is_a_production_one(compose):
    env = compose.environment("web")
    assert env["DEBUG"] == "false"
    assert env["BEHIND_TLS_PROXY"] == "true"
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]*\}", env["SECRET_KEY"]), "SECRET_KEY is required"
    assert env["EMAIL_BACKEND"].endswith("smtp.EmailBackend}")
    for name in ("ALLOWED_HOSTS", "SITE_URL", "MEDIA_ROOT", "DATABASE_URL", "REDIS_URL"):
        assert name in env, name


def test_database_and_broker_urls_point_at_the_compose_servers(compose):
    env = compose.environment("web")
    database = urlsplit(env["DATABASE_URL"])
    postgres = compose.environment("postgres")
    assert database.scheme in {"postgres", "postgresql"}
    assert database.hostname == "postgres" and "postgres" in compose.services
    assert database.username == postgres["POSTGRES_USER"]
    assert database.password == postgres["POSTGRES_PASSWORD"]
    assert database.path.lstrip("/") == postgres["POSTGRES_DB"]
    broker = urlsplit(env["REDIS_URL"])
    assert broker.scheme == "redis" and broker.hostname == "redis"


def test_uploads_live_on_a_volume(compose):
    media_root = compose.environment("web")["MEDIA_ROOT"]
    declared = set(compose.top["volumes"].mapping())
    for name in ("web", "worker"):
        mounts = compose.services[name]["volumes"].sequence()
        sources = {m.split(":")[0] for m in mounts if m.split(":")[1] == media_root}
        assert sources & declared, f"{name}: no named volume at MEDIA_ROOT {media_root}"
    postgres_mounts = compose.services["postgres"]["volumes"].sequence()
    assert any(m.endswith(":/var/lib/postgresql/data") for m in postgres_mounts)


def test_web_healthcheck_reaches_the_health_view(compose):
    test = " ".join(compose.healthcheck_test("web"))
    urls = re.findall(r"https?://[^\s'\"]+", test)
    assert len(urls) == 1, test
    url = urlsplit(urls[0])
    assert resolve(url.path).func is public.healthz
    # It talks to the port gunicorn binds.
    bind = _option(compose.command("web"), "--bind")
    assert url.port == int(bind.rsplit(":", 1)[1])
    # Plain HTTP inside the container: the production HTTPS redirect must spare this path.
    assert any(re.search(p, url.path.lstrip("/")) for p in settings.SECURE_REDIRECT_EXEMPT)
    # And the Host header it sends must be allowed, or Django answers 400.
    allowed = _with_defaults(compose.environment("web")["ALLOWED_HOSTS"]).split(",")
    assert validate_host(url.hostname, [h.strip() for h in allowed if h.strip()]), allowed


# --- Dockerfile and .dockerignore -----------------------------------------------------


def test_dockerfile_builds_a_production_image(dockerfile):
    instructions = _dockerfile_instructions(dockerfile)
    base = next(args for instr, args in instructions if instr == "FROM")
    assert base == "python:3.11-slim-bookworm"
    runs = " ".join(args for instr, args in instructions if instr == "RUN")
    assert "pip install --no-cache-dir --require-hashes -r requirements.lock" in runs
    assert "collectstatic --noinput" in runs and "DEBUG=false" in runs
    users = [args for instr, args in instructions if instr == "USER"]
    assert users and users[-1] not in {"root", "0"}, "the image must not run as root"
    exposed = [args for instr, args in instructions if instr == "EXPOSE"]
    bind = _option(_dockerfile_cmd(dockerfile), "--bind")
    assert exposed == [bind.rsplit(":", 1)[1]]


# Importing the WSGI module builds the middleware; WhiteNoise warns when STATIC_ROOT is absent.
@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")
def test_dockerfile_cmd_module_exists(dockerfile):
    target = next(arg for arg in _dockerfile_cmd(dockerfile) if ":" in arg and "." in arg)
    module_name, attribute = target.split(":")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute))
    assert f"{module_name}.{attribute}" == settings.WSGI_APPLICATION


def test_celery_app_named_in_compose_is_importable(compose):
    from celery.app.utils import find_app

    import portal.celery

    assert portal.celery.app.main == "portal"
    for name in ("worker", "beat"):
        app_name = _option(compose.command(name), "-A")
        # What `celery -A <name>` loads.
        assert find_app(app_name) is portal.celery.app


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "var", ".git", "staticfiles", "__pycache__"} <= ignored


def test_the_lock_files_pin_every_dependency_of_pyproject_with_hashes():
    """Reproducible installs (issue 15): requirements.lock (the image) and
    requirements-dev.lock (make install, CI) pin each dependency pyproject.toml names, at
    its version, with hashes; `make lock` writes them again."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def pins(name):
        text = (ROOT / name).read_text()
        found = dict(re.findall(r"^([a-z0-9._-]+)==([^ \\\n]+)", text, flags=re.M))
        pinned = [line for line in text.splitlines() if re.match(r"^[a-z0-9._-]+==", line)]
        # Each pin goes on to its hashes ("name==1.0 \" then "--hash=sha256:..." lines).
        assert pinned and all(line.endswith("\\") for line in pinned), name
        return found

    def wanted(requirements):
        return {re.split(r"[\[=]", r)[0].lower().replace("_", "-"): r.split("==")[1]
                for r in requirements}

    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    for name, version in wanted(project["dependencies"]).items():
        assert runtime.get(name) == version, name
        assert dev.get(name) == version, name
    for name, version in wanted(project["optional-dependencies"]["dev"]).items():
        assert dev.get(name) == version, name
        assert name not in runtime or name in wanted(project["dependencies"]), name


# --- The proxy in front of gunicorn (deploy/nginx.conf) --------------------------------


@pytest.fixture(scope="module")
def nginx():
    text = NGINX_CONF.read_text()
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def _directives(conf, name):
    return re.findall(rf"^\s*{name}\s+([^;]+);", conf, re.MULTILINE)


def _mounts(compose, service):
    mounts = compose.services[service]["volumes"].sequence()
    return {m.split(":")[1]: m.split(":")[0] for m in mounts}


def test_the_proxy_is_the_one_published_port_and_passes_the_rest_to_gunicorn(compose, nginx):
    assert "ports" not in compose.services["web"]
    assert compose.services["proxy"]["ports"].sequence() == ["127.0.0.1:8000:8080"]
    assert _directives(nginx, "listen") == ["8080"]
    bind = _option(compose.command("web"), "--bind")
    upstream = re.search(r"upstream portal_web \{(?P<body>[^}]*)\}", nginx)["body"]
    assert _directives(upstream, "server") == [f"web:{bind.rsplit(':', 1)[1]}"]
    assert _directives(nginx, "proxy_pass") == ["http://portal_web"]
    headers = dict(h.split(None, 1) for h in _directives(nginx, "proxy_set_header"))
    assert headers["Host"] == "$host"
    # BEHIND_TLS_PROXY reads the scheme the TLS proxy saw; the audit log the hop appended.
    assert headers["X-Forwarded-Proto"] == "$http_x_forwarded_proto"
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert compose.environment("web")["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"
    depends = compose.services["proxy"]["depends_on"].mapping()
    assert depends["web"].mapping()["condition"].value() == "service_healthy"


def test_the_proxy_lets_through_the_largest_request_the_portal_accepts(nginx):
    size = _directives(nginx, "client_max_body_size")[0]
    assert size.endswith("m")
    limit = int(size[:-1]) * 1024 * 1024
    assert limit >= settings.API_MAX_REQUEST_BYTES >= settings.ATTACHMENT_MAX_TICKET_BYTES


def test_the_proxy_closes_idle_upstream_connections_before_gunicorn_does(nginx, monkeypatch):
    """Else nginx may send a request down a connection gunicorn is closing (a 502)."""
    import runpy

    monkeypatch.delenv("WEB_KEEPALIVE", raising=False)
    gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert _directives(nginx, "keepalive") == ["16"]
    idle = _directives(nginx, "keepalive_timeout")
    assert idle and int(idle[0].rstrip("s")) < gunicorn["keepalive"]


def test_the_static_files_the_proxy_serves_are_the_ones_the_image_collected(
        compose, nginx, dockerfile):
    assert settings.STATIC_URL == "/static/"
    served = _mounts(compose, "proxy")
    assert served["/etc/nginx/conf.d/default.conf"] == "./deploy/nginx.conf"
    root = next(path for path, source in served.items() if source == "static")
    assert _mounts(compose, "migrate")[root] == "static"
    # migrate copies the image's STATIC_ROOT (collected at build) into that volume.
    collected = "/app/" + settings.STATIC_ROOT.relative_to(settings.BASE_DIR).as_posix()
    assert f"cp -R {collected}/. {root}/" in " ".join(compose.command("migrate"))
    assert "collectstatic --noinput" in dockerfile
    aliases = _directives(nginx, "alias")
    assert aliases and all(a.startswith(f"{root}/") for a in aliases), aliases
    assert "static" in compose.top["volumes"].mapping()


def test_hashed_static_names_are_cached_for_good_and_others_for_a_minute(nginx):
    from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
    from django.core.files.base import ContentFile

    hashed = ManifestStaticFilesStorage().hashed_name(
        "css/search.css", content=ContentFile(b"body { color: black }"))
    # nginx's PCRE names a group (?<name>...); Python's re writes (?P<name>...).
    pattern = re.search(r'location ~ "(?P<re>[^"]+)"', nginx)["re"].replace("(?<", "(?P<")
    assert re.match(pattern, "/static/" + hashed)
    assert not re.match(pattern, "/static/css/search.css")
    blocks = re.split(r"\blocation\b", nginx)[1:]
    immutable = next(b for b in blocks if b.lstrip().startswith("~"))
    plain = next(b for b in blocks if b.lstrip().startswith("/static/"))
    assert 'Cache-Control "max-age=315360000, public, immutable"' in immutable
    assert 'Cache-Control "max-age=60, public"' in plain


def _production_security_headers(compose):
    """The security headers Django sends with the compose file's web environment (HTTPS
    behind the proxy: the test settings are not a production run)."""
    import subprocess
    import sys

    env = {name: _with_defaults(value) for name, value in compose.environment("web").items()}
    env.update(SECRET_KEY="deployment-files-test-only-" + "x" * 40,
               DATABASE_URL="sqlite:///:memory:", PORTAL_VAR_DIR=str(settings.VAR_DIR),
               MEDIA_ROOT=str(settings.MEDIA_ROOT), DJANGO_SETTINGS_MODULE="portal.settings",
               PATH="/usr/bin:/bin")
    code = ("import json; from django.conf import settings as s; "
            "from django.test import RequestFactory; "
            "from django.middleware.security import SecurityMiddleware; "
            "from django.http import HttpResponse; "
            "r = SecurityMiddleware(lambda q: HttpResponse())(RequestFactory().get("
            "'/', secure=True)); print(json.dumps(dict(r.headers)))")
    # This suite's interpreter on a fixed snippet, the compose file's environment.
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,  # noqa: S603
                         capture_output=True, text=True, cwd=ROOT)
    headers = json.loads(out.stdout)
    names = ("Strict-Transport-Security", "X-Content-Type-Options", "Referrer-Policy",
             "Cross-Origin-Opener-Policy")
    assert all(name in headers for name in names), headers
    return {name: headers[name] for name in names}


def test_static_answers_carry_the_security_headers_django_sends(nginx, compose):
    """nginx answers /static/ without Django: the headers Django's SecurityMiddleware gives
    every answer are written in each static location (add_header does not inherit)."""
    wanted = _production_security_headers(compose)
    for block in re.split(r"\blocation\b", nginx)[1:]:
        if "alias" not in block:
            continue
        headers = dict(re.findall(r'add_header\s+(\S+)\s+"([^"]*)"', block))
        for name, value in wanted.items():
            assert headers.get(name) == value, (name, block[:60])
    assert _directives(nginx, "server_tokens") == ["off"]
