"""Weights, counted where the loader reads them, and every header checked against its file.

"Model weights in the .safetensors format"; "Models using formats that allow arbitrary code
execution, such as Python pickle, are not supported." The docs do not say where in the
repository: the loader reads the root and its model.safetensors.index.json, so only those
count. With an index, its shards (each must exist); without one, model.safetensors, else every
root .safetensors file. A root file the index leaves out is not read: a broken one is a
warning. Sub-folders (training checkpoints) are neither read nor counted; weights only there
are an error.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from infermod.rules.model_content import error
from infermod.rules.model_files import SourceError
from infermod.rules.model_source import ModelSource
from infermod.rules.model_types import Note

PICKLE = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
INDEX = "model.safetensors.index.json"
SINGLE = "model.safetensors"
MAX_LISTED = 3


def check_weights(source: ModelSource, files: dict[str, int]) -> tuple[int | None, list[Note]]:
    """Checks the weights where the loader reads them, the repository root and its index;
    returns their parameter count when every file counted is sound, and what to say."""
    notes: list[Note] = []
    root = sorted(f for f in files if f.endswith(".safetensors") and "/" not in f)
    nested = sorted(f for f in files if f.endswith(".safetensors") and "/" in f)
    pickles = sorted(f for f in files if f.endswith(PICKLE))
    if not root:
        return None, [_no_weights(nested, pickles)]
    if nested:
        notes.append(
            Note(
                "model-weights-ignored",
                "info",
                f"{len(nested)} .safetensors file(s) in sub-folders are not read by the loader and not "
                f"counted: {_listed(nested)}",
                "training checkpoints need not be uploaded: they are imported with the model all the same",
            )
        )
    if pickles:
        notes.append(
            Note(
                "model-weights-pickle",
                "warning",
                f"pickle files are present ({', '.join(pickles[:MAX_LISTED])}); only .safetensors weights are used",
                "remove the pickle files from the repository",
            )
        )
    counted = _weight_files(source, files, root, notes)
    loaded = counted if counted is not None else root
    unread = [f for f in root if f not in loaded]
    params = _headers(source, loaded + unread)
    bad = [problem for path in loaded if isinstance(problem := params[path], SourceError)]
    notes += [error(problem) for problem in bad[:MAX_LISTED]]
    for path in unread:
        if isinstance(problem := params[path], SourceError):
            notes.append(
                Note(
                    "model-weights-unread",
                    "warning",
                    f"{problem}; it is outside {INDEX}, so the loader does not read it",
                    "remove it: it is imported with the model all the same",
                )
            )
    if counted is None or bad:
        return None, notes
    return sum(count for path in counted if isinstance(count := params[path], int)), notes


def _no_weights(nested: list[str], pickles: list[str]) -> Note:
    if nested:
        return Note(
            "model-weights",
            "error",
            "no .safetensors weights at the repository root, where the loader reads them "
            f"(found only in sub-folders: {_listed(nested)})",
            f"move the model's weights (and {INDEX}) to the root: a sub-folder such as a training "
            "checkpoint's is not read",
        )
    found = ", ".join(pickles[:MAX_LISTED])
    what = f" (found {found}: pickle formats can execute code and are refused)" if pickles else ""
    return Note(
        "model-weights",
        "error",
        f"no weights in .safetensors format{what}",
        "convert the weights to safetensors (e.g. save_pretrained(..., safe_serialization=True))",
    )


def _listed(paths: list[str]) -> str:
    return ", ".join(p[:100] for p in paths[:MAX_LISTED]) + (" ..." if len(paths) > MAX_LISTED else "")


def _headers(source: ModelSource, paths: list[str]) -> dict[str, int | SourceError]:
    """Every safetensors header checked (a few at a time: on the Hub each is a request)."""

    def one(path: str) -> int | SourceError:
        try:
            return source.safetensors_parameters(path)
        except SourceError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=source.parallel_reads) as pool:
        return dict(zip(paths, pool.map(one, paths), strict=True))


def _weight_files(
    source: ModelSource, files: dict[str, int], safetensors: list[str], notes: list[Note]
) -> list[str] | None:
    """The files that make the model: the index's shards, else model.safetensors, else all."""
    if INDEX not in files:
        return [SINGLE] if SINGLE in files else safetensors
    try:
        index = source.read_json(INDEX)
    except SourceError as exc:
        notes.append(error(exc))
        index = None
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if index is not None and not (
        isinstance(weight_map, dict) and weight_map and all(isinstance(v, str) for v in weight_map.values())
    ):
        notes.append(Note("model-weights-index", "error", f"{INDEX} has no valid `weight_map`", None))
    if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
        return None
    shards = sorted(set(weight_map.values()))
    missing = [s for s in shards if s not in files]
    if missing:
        listed = _listed(missing)
        notes.append(
            Note(
                "model-weights-shard-missing",
                "error",
                f"{len(missing)} of the {len(shards)} weight shards named in {INDEX} are missing: {listed}",
                "upload every shard of the model",
            )
        )
        return None
    return shards
