"""deploy/k8s: the base and the example overlay render, and every object fits the Kubernetes JSON schemas.

No `kustomize` binary here (nor on PyPI or Debian): `render` does what the
manifests use of it, in Python, and refuses anything else, so a manifest
that needs more fails here rather than passing unchecked. Patches merge
maps only (where a strategic merge and a plain one agree). The schemas are
vendored in tests/data/k8s/ (see its README), so the check runs offline.
"""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from shared import topology
from tests.support.processes import ROOT
from wsis import db_cli

K8S = ROOT / "deploy" / "k8s"
SCHEMAS = ROOT / "tests" / "data" / "k8s"
SCHEMA_OF = {("apps/v1", "Deployment"): "deployment-apps-v1", ("v1", "Service"): "service-v1",
             ("v1", "Secret"): "secret-v1", ("v1", "ConfigMap"): "configmap-v1",
             ("batch/v1", "Job"): "job-batch-v1"}  # fmt: skip
SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "replicas", "patches", "configMapGenerator",
             "secretGenerator", "generatorOptions"}  # fmt: skip
Object = dict[str, Any]


def _key(obj: Object) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def _merge(into: Any, patch: Any) -> Any:
    if isinstance(patch, dict) and isinstance(into, dict):
        return {**into, **{k: _merge(into.get(k), v) for k, v in patch.items()}}
    assert not isinstance(patch, list), "a patch of a list needs a strategic merge: not supported here"
    return patch


def _generated(kind: str, spec: Object, folder: Path) -> Object:
    data: dict[str, str] = {}
    for name in spec.get("files", []):
        data[Path(name).name] = (folder / name).read_text()
    for name in spec.get("envs", []):
        for line in (folder / name).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                key, _, value = line.partition("=")
                data[key] = value
    assert set(spec) <= {"name", "files", "envs", "behavior"}, spec
    field = "data" if kind == "ConfigMap" else "stringData"
    return {"apiVersion": "v1", "kind": kind, "metadata": {"name": spec["name"]}, field: data}


def render(folder: Path) -> list[Object]:
    """The objects `kustomize build folder` gives, for the features the manifests use."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    assert set(kustomization) <= SUPPORTED, f"{folder}: {set(kustomization) - SUPPORTED}"
    assert kustomization.get("generatorOptions", {}) == {"disableNameSuffixHash": True}
    objects: dict[tuple[str, str], Object] = {}
    for resource in kustomization.get("resources", []):
        path = folder / resource
        found = render(path) if path.is_dir() else [o for o in yaml.safe_load_all(path.read_text()) if o]
        for obj in found:
            assert _key(obj) not in objects, f"{_key(obj)} twice"
            objects[_key(obj)] = obj
    for kind, generators in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
        for spec in kustomization.get(generators, []):
            obj = _generated(kind, spec, folder)
            assert (_key(obj) in objects) == (spec.get("behavior", "create") == "replace"), spec["name"]
            objects[_key(obj)] = {**obj, "metadata": objects.get(_key(obj), obj)["metadata"]}
    for patch in kustomization.get("patches", []):
        for obj in yaml.safe_load_all((folder / patch["path"]).read_text()):
            objects[_key(obj)] = _merge(objects[_key(obj)], obj)
    for change in kustomization.get("replicas", []):
        objects[("Deployment", change["name"])]["spec"]["replicas"] = change["count"]
    images = {i["name"]: f"{i['newName']}:{i['newTag']}" for i in kustomization.get("images", [])}
    for obj in objects.values():
        if "namespace" in kustomization:
            obj["metadata"]["namespace"] = kustomization["namespace"]
        for container in obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            container["image"] = images.get(container["image"], container["image"])
    return list(objects.values())


@cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMAS / f"{name}.json").read_text()))


@pytest.fixture
def overlay(tmp_path: Path) -> Path:
    """A copy of deploy/k8s with the example overlay's secret files made from their examples."""
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    for example in (copy / "overlays" / "example" / "secrets").glob("*.env.example"):
        example.with_suffix("").write_text(example.read_text())
    return copy / "overlays" / "example"


def deployments(objects: list[Object]) -> dict[str, Object]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}


def workloads(objects: list[Object]) -> dict[str, Object]:
    """The Deployments and the Job: whatever runs a container."""
    return {o["metadata"]["name"]: o for o in objects if o["kind"] in {"Deployment", "Job"}}


def secrets_read(workload: Object) -> set[str]:
    """The Secrets a workload's containers read, by name."""
    spec = workload["spec"]["template"]["spec"]
    containers = [*spec.get("initContainers", []), *spec["containers"]]
    assert not any("envFrom" in c for c in containers), "a whole Secret in the environment: name each key"
    assert not any("secret" in v for v in spec.get("volumes", [])), "a Secret mounted as files: name each key in env"
    return {e["valueFrom"]["secretKeyRef"]["name"] for c in containers for e in c.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})}


def environment_of_job(objects: list[Object]) -> dict[str, str]:
    """The wsis-db-roles Job's environment, its Secret references resolved from the rendered Secrets."""
    secrets = {o["metadata"]["name"]: o["stringData"] for o in objects if o["kind"] == "Secret"}
    (container,) = workloads(objects)["wsis-db-roles"]["spec"]["template"]["spec"]["containers"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
    return {name: secrets[ref["name"]][ref["key"]] for name, ref in refs.items()}


def test_every_object_of_the_base_and_the_example_overlay_fits_its_kubernetes_schema(overlay: Path) -> None:
    for objects in (render(K8S / "base"), render(overlay)):
        for obj in objects:
            errors = [e.message for e in validator(SCHEMA_OF[obj["apiVersion"], obj["kind"]]).iter_errors(obj)]
            assert not errors, f"{_key(obj)}: {errors[:3]}"


def test_each_service_runs_from_the_image_with_its_own_redis_user_probes_and_resources() -> None:
    found = deployments(render(K8S / "base"))
    assert set(found) == {*topology.SERVICES, "ticker"}
    for name in topology.SERVICES:
        (container,) = found[name]["spec"]["template"]["spec"]["containers"]
        assert container["command"] == ["wsis", "run", name]
        env = {e["name"]: e for e in container["env"]}
        assert env["WSIS_SERVICE"]["value"] == name
        assert env["WSIS_REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == f"WSIS_REDIS_PASSWORD_{name.upper()}"
        assert f"WSIS_DATABASE_URL_{name.upper()}" in env
        # the probes ask the service itself, on the port its metrics are served (shared/metrics.py)
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
        assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "metrics"}
        (port,) = container["ports"]
        assert port == {"name": "metrics", "containerPort": int(env["WSIS_METRICS_PORT"]["value"])}
        assert env["WSIS_METRICS_HOST"]["value"] == "0.0.0.0"
        assert found[name]["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == env["WSIS_METRICS_PORT"]["value"]
        assert set(container["resources"]) == {"requests", "limits"}
    assert found["voting"]["spec"]["replicas"] > 1 and found["eligibility"]["spec"]["replicas"] > 1
    assert found["ticker"]["spec"]["replicas"] == 1 and found["ticker"]["spec"]["strategy"]["type"] == "Recreate"


def test_the_overlay_sets_namespace_image_replicas_hosts_and_secrets(overlay: Path) -> None:
    objects = render(overlay)
    assert {o["metadata"]["namespace"] for o in objects} == {"wsis-prizes"}
    found = deployments(objects)
    assert found["voting"]["spec"]["replicas"] == 4
    assert {c["image"] for d in found.values() for c in d["spec"]["template"]["spec"]["containers"]} == {
        "registry.example.org/itu/wsis-prizes:2021.1"
    }
    hosts = {o["metadata"]["name"]: o["spec"]["externalName"] for o in objects if o["kind"] == "Service"}
    assert hosts == {"valkey": "wsis-bus.example-provider.net", "postgres": "wsis-db.example-provider.net"}
    secrets = {o["metadata"]["name"]: o["stringData"] for o in objects if o["kind"] == "Secret"}
    assert "replace-me" not in json.dumps(secrets)


def test_each_service_connects_to_postgresql_as_its_own_role_from_its_own_secret_alone() -> None:
    """As compose does: `wsis_<service>`, its password in the Secret `wsis-db-<service>`, read by no other service."""
    objects = render(K8S / "base")
    found = deployments(objects)
    for name in topology.SERVICES:
        (container,) = found[name]["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e for e in container["env"]}
        variable = f"WSIS_DB_PASSWORD_{name.upper()}"
        assert env[variable]["valueFrom"]["secretKeyRef"] == {"name": f"wsis-db-{name}", "key": variable}
        # Kubernetes puts the password in: $(NAME) of a variable defined above it.
        assert list(env).index(variable) < list(env).index(f"WSIS_DATABASE_URL_{name.upper()}")
        assert env[f"WSIS_DATABASE_URL_{name.upper()}"]["value"] == f"postgresql://wsis_{name}:$({variable})@postgres:5432/wsis"
        assert "WSIS_DATABASE_URL" not in env  # one URL, the service's own: shared.db reads it first
        assert secrets_read(found[name]) == {"wsis-redis", f"wsis-db-{name}"} | ({"wsis-smtp"} if name == "notify" else set())
    assert secrets_read(found["ticker"]) == {"wsis-redis"}
    db_secrets = {o["metadata"]["name"]: o["stringData"] for o in objects if o["kind"] == "Secret" and o["metadata"]["name"].startswith("wsis-db-")}
    assert db_secrets.keys() == {"wsis-db-admin", *(f"wsis-db-{name}" for name in topology.SERVICES)}
    assert all(list(keys) == [f"WSIS_DB_PASSWORD_{n.removeprefix('wsis-db-').upper()}"] for n, keys in db_secrets.items() if n != "wsis-db-admin")


def test_a_job_makes_the_roles_with_the_admin_url_the_one_reader_of_it() -> None:
    objects = render(K8S / "base")
    job = workloads(objects)["wsis-db-roles"]
    assert job["kind"] == "Job" and job["spec"]["template"]["spec"]["restartPolicy"] in {"Never", "OnFailure"}
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["wsis", "db", "roles", "--apply"]
    assert set(environment_of_job(objects)) == {"WSIS_DB_ADMIN_URL", *(db_cli.password_variable(s) for s in db_cli.SERVICES)}
    assert set(db_cli.SERVICES) == set(topology.SERVICES)
    readers = {name for name, workload in workloads(objects).items() if "wsis-db-admin" in secrets_read(workload)}
    assert readers == {"wsis-db-roles"}
    validator(SCHEMA_OF["batch/v1", "Job"]).validate(job)


def test_the_base_has_no_database_password_and_the_example_overlay_gives_each_role_one(overlay: Path) -> None:
    """The base's placeholders make `wsis db roles` refuse to run; no role gets a password nobody chose."""
    base = environment_of_job(render(K8S / "base"))
    with pytest.raises(db_cli.MissingPassword):
        db_cli.passwords(db_cli.SERVICES, base)
    assert ":" not in base["WSIS_DB_ADMIN_URL"].split("@")[0].removeprefix("postgresql://")
    given = environment_of_job(render(overlay))
    assert set(db_cli.passwords(db_cli.SERVICES, given)) == set(db_cli.SERVICES)
    assert given["WSIS_DB_ADMIN_URL"].startswith("postgresql://")


def test_every_secret_key_a_workload_names_exists_and_the_contest_copies_match_contest() -> None:
    objects = render(K8S / "base")
    secrets = {o["metadata"]["name"]: set(o["stringData"]) for o in objects if o["kind"] == "Secret"}
    for deployment in workloads(objects).values():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            for ref in (e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e):
                assert ref["key"] in secrets[ref["name"]], ref
    (contest,) = [o for o in objects if o["kind"] == "ConfigMap"]
    for name, text in contest["data"].items():
        # kustomize reads no file outside the kustomization's folder: the base keeps copies.
        assert text == (ROOT / "contest" / name).read_text(), f"stale copy: cp contest/{name} deploy/k8s/base/contest/"
