"""The emulator's store on disk: atomic saves, and stores sharing one directory never write back
a stale copy (two sandboxes started in one directory)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

from infermod.emulator import catalog
from infermod.emulator.store import Store
from tests.conftest import PROJECT
from tests.helpers import LLAMA

# Reads the state file as fast as it can until the stop file appears; prints how many reads
# did not parse, and how many reads there were.
READER = textwrap.dedent(
    """
    import json, os, sys
    path, stop, torn, reads = sys.argv[1], sys.argv[2], 0, 0
    print("reading", flush=True)
    while not os.path.exists(stop):
        try:
            with open(path, encoding="utf-8") as fh:
                json.load(fh)
            reads += 1
        except FileNotFoundError:
            pass
        except ValueError:
            torn += 1
    print(torn, reads)
    """
)


def body(name: str) -> dict:
    model = next(m["id"] for m in catalog.public_models("fr-par") if m["name"] == LLAMA)
    return {
        "name": name,
        "project_id": PROJECT,
        "model_id": model,
        "node_type_name": "L4",
        "accept_eula": True,
        "endpoints": [{"public_network": {}}],
    }


def test_a_reader_never_sees_half_a_state_file(tmp_path):
    store = Store(0.3, str(tmp_path))
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(tmp_path / "state.json"), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None and reader.stdout.readline() == "reading\n"
    for i in range(60):  # each save rewrites a growing file (about 1 KB a deployment)
        store.create_deployment("fr-par", body(f"d{i}"))
    until = time.monotonic() + 0.3  # a loaded machine may have given the reader little time so far
    while time.monotonic() < until:
        store.save()
    stop.touch()
    out, _ = reader.communicate(timeout=30)
    torn, reads = map(int, out.split())
    assert torn == 0 and reads >= 1
    assert len(json.loads((tmp_path / "state.json").read_text())["deployments"]) == 60
    assert not list(tmp_path.glob("*.tmp"))  # no temporary file left behind


def test_stores_sharing_a_directory_reload_before_writing(tmp_path):
    first, second = Store(0.3, str(tmp_path)), Store(0.3, str(tmp_path))
    with first.shared():
        kept = first.create_deployment("fr-par", body("kept"))
        gone = first.create_deployment("fr-par", body("gone"))
    with second.shared():  # sees what the other wrote
        assert {d["name"] for d in second.list_deployments("fr-par")} == {"kept", "gone"}
        second.set_status(gone["id"], "ready")
        second.delete_deployment("fr-par", gone["id"])
        second.create_deployment("fr-par", body("new"))
    with first.shared():  # a stale copy written back here would undo the other's delete and create
        first.set_status(kept["id"], "locked")
    on_disk = json.loads((tmp_path / "state.json").read_text())["deployments"]
    assert {d["name"]: d["status"] for d in on_disk.values()} == {
        "kept": "locked",
        "gone": "deleting",
        "new": "creating",
    }
