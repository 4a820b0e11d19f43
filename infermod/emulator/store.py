"""The emulator's state: projects' deployments and custom models, with the service's behaviour.

Status changes are scheduled, not run by a background thread: each resource carries a list
of (time, status) steps that are applied lazily whenever it is read. This keeps the server
single-process and deterministic, and the schedule survives restarts because it is stored
with the resource in wall-clock time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import threading
import time
import uuid
from typing import Any

from infermod.emulator import catalog

TRANSIENT = {"creating", "deploying", "deleting", "scaling", "locked"}
FORBIDDEN_PROJECT = "ffffffff-ffff-ffff-ffff-ffffffffffff"  # every write is permissions_denied


class ApiError(Exception):
    """An error the API answers with: status code plus Scaleway's JSON error body."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(body.get("message", ""))
        self.status = status
        self.body = body
        self.headers = headers or {}


def not_found(resource: str, resource_id: str) -> ApiError:
    return ApiError(
        404,
        {
            "type": "not_found",
            "message": "resource is not found",
            "resource": resource,
            "resource_id": resource_id,
        },
    )


def invalid(argument: str, reason: str, help_message: str) -> ApiError:
    return ApiError(
        400,
        {
            "type": "invalid_arguments",
            "message": "invalid argument(s)",
            "details": [{"argument_name": argument, "reason": reason, "help_message": help_message}],
        },
    )


def transient(resource: str, resource_id: str, state: str) -> ApiError:
    return ApiError(
        409,
        {
            "type": "transient_state",
            "message": f"{resource} is in a transient state",
            "resource": resource,
            "resource_id": resource_id,
            "current_state": state,
        },
    )


def now_iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Store:
    def __init__(self, ready_after: float, state_dir: str | None, gpu_quota: int = 2000) -> None:
        self.ready_after = ready_after
        self.state_dir = state_dir
        self.gpu_quota = gpu_quota
        self.lock = threading.RLock()
        self.deployments: dict[str, dict[str, Any]] = {}
        self.models: dict[str, dict[str, Any]] = {}
        self.today = dt.date.today()
        if state_dir:
            self._load()

    # ---- persistence -------------------------------------------------------------------
    def _path(self) -> str:
        assert self.state_dir
        return os.path.join(self.state_dir, "state.json")

    def _load(self) -> None:
        assert self.state_dir
        os.makedirs(self.state_dir, exist_ok=True)
        try:
            with open(self._path(), encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return
        self.deployments = data.get("deployments", {})
        self.models = data.get("models", {})

    def save(self) -> None:
        """Write atomically: a crash leaves either the old or the new file, never half of one."""
        if not self.state_dir:
            return
        body = json.dumps({"deployments": self.deployments, "models": self.models})
        fd, tmp = tempfile.mkstemp(dir=self.state_dir, prefix=".state-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._path())
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def reset(self) -> None:
        with self.lock:
            self.deployments.clear()
            self.models.clear()
            self.save()

    # ---- lazy status transitions -------------------------------------------------------
    def _advance(self, record: dict[str, Any], now: float) -> bool:
        """Apply due steps; False when the resource is gone (deletion finished)."""
        steps = record.get("_steps", [])
        while steps and steps[0][0] <= now:
            _, status = steps.pop(0)
            if status == "gone":
                return False
            record["status"] = status
            if "size" in record and status == "ready":
                record["size"] = record["min_size"]
        return True

    def _schedule(self, record: dict[str, Any], *steps: tuple[float, str]) -> None:
        now = time.time()
        record["_steps"] = [[now + delay * self.ready_after, status] for delay, status in steps]

    def _live(self, table: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        now = time.time()
        gone = [rid for rid, rec in table.items() if not self._advance(rec, now)]
        for rid in gone:
            del table[rid]
        return list(table.values())

    # ---- deployments -------------------------------------------------------------------
    def list_deployments(self, region: str) -> list[dict[str, Any]]:
        with self.lock:
            return [d for d in self._live(self.deployments) if d["region"] == region]

    def get_deployment(self, region: str, deployment_id: str) -> dict[str, Any]:
        with self.lock:
            self._live(self.deployments)
            record = self.deployments.get(deployment_id)
            if record is None or record["region"] != region:
                raise not_found("deployment", deployment_id)
            return record

    def create_deployment(self, region: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            project = _require_project(body)
            model = self._usable_model(region, project, body.get("model_id"))
            node = self._node_type(region, body.get("node_type_name"))
            bits = self._check_fit(model, node["name"], body.get("quantization"))
            if model["has_eula"] and not body.get("accept_eula"):
                raise invalid(
                    "accept_eula",
                    "required",
                    f"model {model['name']} has an EULA: set accept_eula to true to accept it",
                )
            size = _check_sizes(body.get("min_size") or 1, body.get("max_size") or body.get("min_size") or 1)
            endpoints = body.get("endpoints") or []
            if not endpoints:
                raise invalid("endpoints", "required", "at least one endpoint is required")
            self._check_quota(region, project, node, size)
            now = time.time()
            dep_id = str(uuid.uuid4())
            record = {
                "id": dep_id,
                "name": body.get("name") or f"inference-{dep_id[:8]}",
                "project_id": project,
                "status": "creating",
                "tags": list(body.get("tags") or []),
                "node_type_name": node["name"],
                "endpoints": [],
                "size": 0,
                "min_size": size,
                "max_size": size,
                "model_id": model["id"],
                "model_name": model["name"],
                "region": region,
                "error_message": None,
                "quantization": {"bits": bits},
                "created_at": now_iso(now),
                "updated_at": now_iso(now),
            }
            for spec in endpoints:
                record["endpoints"].append(_endpoint(record, spec))
            self._schedule(record, (0.5, "deploying"), (1.0, "ready"))
            self.deployments[dep_id] = record
            self.save()
            return record

    def update_deployment(self, region: str, deployment_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            record = self.get_deployment(region, deployment_id)
            _check_writable(record["project_id"])
            for field in ("node_type_name", "endpoints", "project_id", "accept_eula", "region"):
                if field in body:
                    raise invalid(field, "immutable", f"{field} cannot be changed after creation")
            if record["status"] in TRANSIENT:
                raise transient("deployment", deployment_id, record["status"])
            redeploy = False
            if body.get("model_id") and body["model_id"] != record["model_id"]:
                model = self._usable_model(region, record["project_id"], body["model_id"])
                record["quantization"] = {
                    "bits": self._check_fit(
                        model, record["node_type_name"], body.get("quantization") or record["quantization"]
                    )
                }
                record["model_id"], record["model_name"] = model["id"], model["name"]
                redeploy = True
            elif body.get("quantization") and body["quantization"] != record["quantization"]:
                model = self._usable_model(region, record["project_id"], record["model_id"])
                record["quantization"] = {
                    "bits": self._check_fit(model, record["node_type_name"], body["quantization"])
                }
                redeploy = True
            resized = False
            if body.get("min_size") or body.get("max_size"):
                size = _check_sizes(
                    body.get("min_size") or record["min_size"],
                    body.get("max_size") or body.get("min_size") or record["max_size"],
                )
                if size != record["min_size"]:
                    node = self._node_type(region, record["node_type_name"], for_create=False)
                    self._check_quota(region, record["project_id"], node, size - record["min_size"])
                    record["min_size"] = record["max_size"] = size
                    resized = True
            if body.get("name"):
                record["name"] = body["name"]
            if "tags" in body and body["tags"] is not None:
                record["tags"] = list(body["tags"])
            if redeploy:
                record["status"] = "deploying"
                self._schedule(record, (1.0, "ready"))
            elif resized:
                record["status"] = "scaling"
                self._schedule(record, (0.5, "ready"))
            record["updated_at"] = now_iso(time.time())
            self.save()
            return record

    def delete_deployment(self, region: str, deployment_id: str) -> dict[str, Any]:
        with self.lock:
            record = self.get_deployment(region, deployment_id)
            _check_writable(record["project_id"])
            if record["status"] == "deleting":
                raise transient("deployment", deployment_id, "deleting")
            record["status"] = "deleting"
            self._schedule(record, (0.25, "gone"))
            record["updated_at"] = now_iso(time.time())
            self.save()
            return record

    # ---- endpoints ---------------------------------------------------------------------
    def create_endpoint(self, region: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            record = self._endpoint_target(region, str(body.get("deployment_id") or ""))
            spec = body.get("endpoint") or {}
            endpoint = _endpoint(record, spec)
            network = _network_of(endpoint)
            if any(_network_of(e) == network for e in record["endpoints"]):
                raise invalid("endpoint", "conflict", f"the deployment already has an endpoint on {network}")
            record["endpoints"].append(endpoint)
            record["updated_at"] = now_iso(time.time())
            self.save()
            return endpoint

    def update_endpoint(self, region: str, endpoint_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            record, endpoint = self._find_endpoint(region, endpoint_id)
            self._endpoint_target(region, record["id"])
            if "disable_auth" in body:
                endpoint["disable_auth"] = bool(body["disable_auth"])
            record["updated_at"] = now_iso(time.time())
            self.save()
            return endpoint

    def delete_endpoint(self, region: str, endpoint_id: str) -> None:
        with self.lock:
            record, endpoint = self._find_endpoint(region, endpoint_id)
            self._endpoint_target(region, record["id"])
            if len(record["endpoints"]) == 1:
                raise invalid(
                    "endpoint_id",
                    "last_endpoint",
                    "a deployment needs at least one endpoint: create another first",
                )
            record["endpoints"].remove(endpoint)
            record["updated_at"] = now_iso(time.time())
            self.save()

    def _endpoint_target(self, region: str, deployment_id: str) -> dict[str, Any]:
        record = self.get_deployment(region, deployment_id)
        _check_writable(record["project_id"])
        if record["status"] in TRANSIENT:
            raise transient("deployment", deployment_id, record["status"])
        return record

    def _find_endpoint(self, region: str, endpoint_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        for record in self.list_deployments(region):
            for endpoint in record["endpoints"]:
                if endpoint["id"] == endpoint_id:
                    return record, endpoint
        raise not_found("endpoint", endpoint_id)

    # ---- models ------------------------------------------------------------------------
    def list_models(self, region: str) -> list[dict[str, Any]]:
        with self.lock:
            custom = [m for m in self._live(self.models) if m["region"] == region]
            return catalog.public_models(region) + custom

    def get_model(self, region: str, model_id: str) -> dict[str, Any]:
        for model in self.list_models(region):
            if model["id"] == model_id:
                return model
        raise not_found("model", model_id)

    def create_model(self, region: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            project = _require_project(body)
            source = body.get("source") or {}
            url = str(source.get("url") or "")
            if not url.startswith("https://huggingface.co/"):
                raise invalid(
                    "source.url", "invalid", "expected a Hugging Face URL https://huggingface.co/ORG/NAME"
                )
            now = time.time()
            model_id = str(uuid.uuid4())
            repo = url[len("https://huggingface.co/") :].strip("/")
            info = catalog.raw_catalog()["hub_repositories"].get(repo)
            error = _import_error(repo, info, bool(source.get("secret")))
            record = {
                "id": model_id,
                "name": body.get("name") or repo,
                "project_id": project,
                "tags": [],
                "status": "preparing",
                "description": f"Custom model imported from {url}",
                "has_eula": False,
                "region": region,
                "nodes_support": [] if error else [{"nodes": _custom_support(region, info or {})}],
                "parameter_size_bits": 0 if error else int((info or {}).get("bits", 16)),
                "size_bytes": 0
                if error
                else int((info or {}).get("parameters", 0) * (info or {}).get("bits", 16) / 8),
                "error_message": None,
                "created_at": now_iso(now),
                "updated_at": now_iso(now),
            }
            if error:
                record["_error"] = error
                self._schedule(record, (0.25, "downloading"), (0.5, "error"))
            else:
                self._schedule(record, (0.25, "downloading"), (0.5, "ready"))
            self.models[model_id] = record
            self.save()
            return record

    def delete_model(self, region: str, model_id: str) -> dict[str, Any]:
        with self.lock:
            self._live(self.models)
            record = self.models.get(model_id)
            if record is None or record["region"] != region:
                if any(m["id"] == model_id for m in catalog.public_models(region)):
                    raise ApiError(
                        403,
                        {
                            "type": "permissions_denied",
                            "message": "catalog models cannot be deleted",
                            "details": [{"resource": "model", "action": "delete"}],
                        },
                    )
                raise not_found("model", model_id)
            _check_writable(record["project_id"])
            users = [d["name"] for d in self.list_deployments(region) if d["model_id"] == model_id]
            if users:
                raise ApiError(
                    412,
                    {
                        "type": "precondition_failed",
                        "message": f"model is used by deployment(s): {', '.join(users)}",
                        "precondition": "resource_still_in_use",
                    },
                )
            del self.models[model_id]
            self.save()
            return record

    # ---- checks ------------------------------------------------------------------------
    def _usable_model(self, region: str, project: str, model_id: Any) -> dict[str, Any]:
        if not model_id:
            raise invalid("model_id", "required", "model_id is required")
        model = self.get_model(region, str(model_id))
        if model["project_id"] not in (project, catalog.raw_catalog()["public_project_id"]):
            raise not_found("model", str(model_id))
        if model["status"] != "ready":
            raise invalid("model_id", "not_ready", f"model {model['name']} is {model['status']}, not ready")
        eol = model.get("_end_of_life_in_days")
        if eol is not None and eol < 0:
            raise invalid("model_id", "end_of_life", f"model {model['name']} has reached End-of-Life")
        return model

    def _node_type(self, region: str, name: Any, for_create: bool = True) -> dict[str, Any]:
        for node in catalog.node_types(region):
            if node["name"] == name:
                if for_create and node["disabled"]:
                    raise invalid("node_type_name", "disabled", f"node type {name} is disabled")
                if for_create and node["stock_status"] == "out_of_stock":
                    raise ApiError(
                        409,
                        {
                            "type": "out_of_stock",
                            "message": f"resource {name} is out of stock",
                            "resource": "node_type",
                        },
                    )
                return node
        raise invalid("node_type_name", "unknown", f"node type {name} does not exist in {region}")

    def _check_fit(self, model: dict[str, Any], node_type: str, quantization: Any) -> int:
        support = [
            n for info in model["nodes_support"] for n in info["nodes"] if n["node_type_name"] == node_type
        ]
        if not support:
            raise invalid(
                "node_type_name", "unsupported", f"model {model['name']} cannot run on node type {node_type}"
            )
        allowed = [q["quantization_bits"] for q in support[0]["quantizations"] if q["allowed"]]
        bits = (quantization or {}).get("bits") if isinstance(quantization, dict) else None
        if bits is None:
            return int(max(allowed) if allowed else model["parameter_size_bits"])
        if bits not in allowed:
            raise invalid(
                "quantization.bits",
                "not_allowed",
                f"{bits}-bit quantization is not allowed for {model['name']} on {node_type} (allowed: {allowed})",
            )
        return int(bits)

    def _check_quota(self, region: str, project: str, node: dict[str, Any], added_nodes: int) -> None:
        used = sum(
            d["min_size"] * _gpus(region, d["node_type_name"])
            for d in self.list_deployments(region)
            if d["project_id"] == project and d["status"] != "deleting"
        )
        wanted = added_nodes * node["gpus"]
        if used + wanted > self.gpu_quota:
            raise ApiError(
                403,
                {
                    "type": "quotas_exceeded",
                    "message": "quota(s) exceeded for this resource",
                    "details": [
                        {
                            "resource": "inference_gpus",
                            "quota": self.gpu_quota,
                            "current": used,
                            "project_id": project,
                        }
                    ],
                },
            )

    # ---- views ---------------------------------------------------------------------------
    def view_model(self, record: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in record.items() if not k.startswith("_")}
        if record.get("status") == "error":
            out["error_message"] = record.get("_error")
        return out


def view(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _gpus(region: str, node_type: str) -> int:
    return next((n["gpus"] for n in catalog.node_types(region) if n["name"] == node_type), 1)


def _require_project(body: dict[str, Any]) -> str:
    project = str(body.get("project_id") or "")
    try:
        uuid.UUID(project)
    except ValueError:
        raise invalid("project_id", "invalid", "project_id must be a UUID") from None
    _check_writable(project)
    return project


def _check_writable(project: str) -> None:
    if project == FORBIDDEN_PROJECT:
        raise ApiError(
            403,
            {
                "type": "permissions_denied",
                "message": "insufficient permissions",
                "details": [{"resource": "inference", "action": "write"}],
            },
        )


def _check_sizes(min_size: Any, max_size: Any) -> int:
    if not isinstance(min_size, int) or min_size < 1:
        raise invalid("min_size", "invalid", "min_size must be at least 1")
    if max_size != min_size:
        raise invalid("max_size", "not_equal", "autoscaling is not supported: max_size must equal min_size")
    return min_size


def _endpoint(record: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    endpoint_id = str(uuid.uuid4())
    out: dict[str, Any] = {"id": endpoint_id, "disable_auth": bool(spec.get("disable_auth", False))}
    private = spec.get("private_network")
    if private is not None:
        pn = str(private.get("private_network_id") or "")
        try:
            uuid.UUID(pn)
        except ValueError:
            raise invalid(
                "endpoint.private_network.private_network_id", "invalid", "expected a UUID"
            ) from None
        out["private_network"] = {"private_network_id": pn}
        out["url"] = f"https://{record['id']}.{pn}.internal"
    elif spec.get("public_network") is not None:
        out["public_network"] = {}
        out["url"] = f"https://{record['id']}.ifr.{record['region']}.scaleway.com"
    else:
        raise invalid("endpoint", "required", "one of public_network or private_network is required")
    return out


def _network_of(endpoint: dict[str, Any]) -> str:
    if endpoint.get("private_network"):
        return f"private network {endpoint['private_network']['private_network_id']}"
    return "the public network"


def _import_error(repo: str, info: dict[str, Any] | None, has_secret: bool) -> str | None:
    if info is None:
        return f"could not access https://huggingface.co/{repo}: repository not found, or gated/private without a valid token"
    if info.get("error"):
        return str(info["error"])
    if info.get("gated") and not has_secret:
        return f"https://huggingface.co/{repo} is gated: a Hugging Face token with access is required"
    return None


def _custom_support(region: str, info: dict[str, Any]) -> list[dict[str, Any]]:
    weights = info.get("parameters", 0) * info.get("bits", 16) / 8
    out = []
    for node in catalog.node_types(region):
        if weights * 1.2 <= node["vram"]:
            out.append(
                {
                    "node_type_name": node["name"],
                    "quantizations": [
                        {
                            "quantization_bits": info.get("bits", 16),
                            "allowed": True,
                            "max_context_size": 32768,
                        }
                    ],
                }
            )
    return out
