"""What each required file must contain, not only its name.

- tokenizer.json parses as a tokenizer (with the `tokenizers` library the serving stack loads it
  with); a Git LFS pointer left in its place is named as such, with the fix: `git lfs pull`.
- A chat template parses as Jinja (never rendered), and a template file is not empty: "If you
  have both a chat_template field in the tokenizer_config.json and a chat template file, the chat
  template file will be used", so an empty chat_template.jinja is the template, and it is broken.
- config.json keys the loader reads have the JSON type it needs (an integer where it sizes
  tensors, a string where it names a type...), at the top level and in the text-side sub-configs.
"""

from __future__ import annotations

from typing import Any

from infermod.rules.model_files import SourceError, lfs_error, lfs_pointer
from infermod.rules.model_source import ModelSource
from infermod.rules.model_types import Note

MiB = 1024 * 1024
TEMPLATE_LIMIT = 4 * MiB  # chat_template.jinja: a few KB in practice
# tokenizer.json: the largest in use are about 33 MB (Gemma 3's). Parsing takes about nine
# times the file's size in memory (a 35 MB one: 2.1 s and 324 MB peak for the whole check-model),
# so one larger than this is not read (a warning).
TOKENIZER_LIMIT = 40 * MiB
JINJA_FILE = "chat_template.jinja"
TEMPLATE_FIELD_FILES = ("chat_template.json", "tokenizer_config.json")  # in the order they win


# JSON types of the config.json keys that the loaders read; None where null is accepted.
_INT = ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool))
_NUMBER = ("a number", lambda v: isinstance(v, int | float) and not isinstance(v, bool))
_STR = ("a string", lambda v: isinstance(v, str))
_BOOL = ("true or false", lambda v: isinstance(v, bool))
_OBJECT = ("an object", lambda v: isinstance(v, dict))
_TOKEN_IDS = (
    "an integer or a list of integers",
    lambda v: _INT[1](v) or (isinstance(v, list) and all(_INT[1](x) for x in v)),
)
KEY_TYPES: dict[str, tuple[tuple[str, Any], bool]] = {  # key: ((what, test), null allowed)
    "model_type": (_STR, False),
    "torch_dtype": (_STR, True),
    "hidden_size": (_INT, False),
    "intermediate_size": (_INT, False),
    "num_hidden_layers": (_INT, False),
    "num_attention_heads": (_INT, False),
    "num_key_value_heads": (_INT, True),
    "head_dim": (_INT, True),
    "vocab_size": (_INT, False),
    "sliding_window": (_INT, True),
    "rope_theta": (_NUMBER, False),
    "rms_norm_eps": (_NUMBER, False),
    "tie_word_embeddings": (_BOOL, False),
    "rope_scaling": (_OBJECT, True),
    "quantization_config": (_OBJECT, False),
    "bos_token_id": (_TOKEN_IDS, True),
    "eos_token_id": (_TOKEN_IDS, True),
    "pad_token_id": (_TOKEN_IDS, True),
}
# Sub-configs holding the language model's settings (vision and audio towers have their own
# keys, with other meanings: their max_position_embeddings counts image patches)
TEXT_CONFIGS = (
    "text_config",
    "llm_config",
    "language_config",
    "language_model_config",
    "lm_config",
    "thinker_config",
)


CONTEXT_KEY = "max_position_embeddings"
# What other families the docs list call the context length: GPT-2 and GPT-J, MPT and DBRX,
# ChatGLM and Qwen (v1), Whisper's decoder...
CONTEXT_ALIASES = (
    "n_positions",
    "max_seq_len",
    "seq_length",
    "max_sequence_length",
    "n_ctx",
    "max_target_positions",
)
_TEXT_WORDS = ("text", "llm", "language", "decoder", "thinker")
_TOWER_WORDS = ("vision", "visual", "image", "audio", "speech", "encoder", "tower", "projector")
MAX_NESTING = 3


def context_length(config: dict[str, Any], names: tuple[str, ...] = (CONTEXT_KEY,)) -> tuple[str, Any] | None:
    """(dotted path, value) of the first of `names` found: at the top level, else in the
    sub-configs that hold the language model, level by level (the known family names first),
    never in a vision or audio tower, whose max_position_embeddings counts patches or frames."""
    level: list[tuple[str, dict[str, Any]]] = [("", config)]
    for _ in range(MAX_NESTING + 1):
        for prefix, node in level:
            for name in names:
                if name in node:
                    return prefix + name, node[name]
        level = [(f"{prefix}{key}.", node[key]) for prefix, node in level for key in _language_side(node)]
    return None


def _language_side(node: dict[str, Any]) -> list[str]:
    def side(key: str) -> bool:
        low = key.lower()
        return key in TEXT_CONFIGS or (
            any(w in low for w in _TEXT_WORDS) and not any(w in low for w in _TOWER_WORDS)
        )

    keys = [k for k, v in node.items() if isinstance(v, dict) and side(k)]
    return sorted(keys, key=lambda k: (TEXT_CONFIGS.index(k) if k in TEXT_CONFIGS else len(TEXT_CONFIGS), k))


def config_type_problems(config: dict[str, Any], where: str = "") -> list[str]:
    """`key is X, where the loader needs Y` for each known key of the wrong type."""
    problems = []
    for key, ((what, ok), nullable) in KEY_TYPES.items():
        if key not in config or (config[key] is None and nullable) or ok(config[key]):
            continue
        problems.append(f"`{where}{key}` is {_json_kind(config[key])}, where the loader needs {what}")
    for key in TEXT_CONFIGS:
        sub = config.get(key)
        if key in config and not isinstance(sub, dict) and sub is not None:
            problems.append(f"`{where}{key}` is {_json_kind(sub)}, where the loader needs an object")
        elif isinstance(sub, dict) and len(where) < 200:
            problems += config_type_problems(sub, f"{where}{key}.")
    return problems


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number" if isinstance(value, float) or value < 0 else f"the number {value}"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def tokenizer_problem(raw: bytes | bytearray) -> SourceError | None:
    """Why tokenizer.json cannot be loaded, or None. The `tokenizers` library is the loader the
    serving stack uses, so its own parser decides (vocabulary, merges, every component)."""
    if lfs_pointer(raw):
        return lfs_error("tokenizer.json")
    from tokenizers import Tokenizer

    try:
        Tokenizer.from_buffer(raw if isinstance(raw, bytes) else bytes(raw))  # it takes bytes only
    except Exception as exc:  # the library raises plain Exceptions with its parser's message
        reason = str(exc).removeprefix("Cannot instantiate Tokenizer from buffer: ")[:200]
        return SourceError(
            "model-tokenizer",
            f"tokenizer.json does not parse as a tokenizer: {reason}",
            "copy tokenizer.json from the base model (the docs recommend the base model's for fine-tunes)",
        )
    return None


def template_text_problem(path: str, raw: bytes | bytearray) -> tuple[str | None, SourceError | None]:
    """The template a template file holds, or why it cannot be used."""
    if lfs_pointer(raw):
        return None, lfs_error(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, SourceError("model-chat-template", f"{path} is not UTF-8 text")
    if not text.strip():
        return None, SourceError(
            "model-chat-template",
            f"{path} is empty, and a template file is the one used when present",
            f"write the chat template into {path}, or delete it so that "
            "tokenizer_config.json's chat_template field is used",
        )
    return text, jinja_problem(path, text)


def jinja_problem(where: str, text: str) -> SourceError | None:
    """Parses (never renders) a chat template as transformers' environment does: Jinja with
    loop controls and the `{% generation %}` block."""
    import jinja2

    try:
        _environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return SourceError(
            "model-chat-template",
            f"{where} is not a valid Jinja template: line {exc.lineno}: {str(exc.message)[:160]}",
            "fix the template (the server renders it for every chat request)",
        )
    except (RecursionError, MemoryError):
        return SourceError(
            "model-chat-template", f"{where} is not a usable Jinja template: nested too deeply"
        )
    return None


def _environment() -> Any:
    import jinja2
    import jinja2.ext
    import jinja2.sandbox

    class Generation(jinja2.ext.Extension):  # transformers' AssistantTracker tag, parsed only
        tags = {"generation"}

        def parse(self, parser: Any) -> Any:
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return jinja2.nodes.Scope(body, lineno=lineno)

    return jinja2.sandbox.ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[Generation, jinja2.ext.loopcontrols]
    )


def error(exc: SourceError) -> Note:
    return Note(exc.rule, "error", str(exc), exc.hint)


def tokenizer_notes(source: ModelSource, files: dict[str, int]) -> list[Note]:
    """tokenizer.json: present, not an LFS pointer, and a tokenizer the loader can parse;
    tokenizer_config.json, when present, readable JSON."""
    if "tokenizer.json" not in files:
        return [
            Note(
                "model-tokenizer",
                "error",
                "tokenizer.json is missing",
                "fine-tuned models should ship the base model's tokenizer.json",
            )
        ]
    notes = []
    if "tokenizer_config.json" in files:  # the tokenizer's loader reads it whenever it is there
        try:
            source.read_json("tokenizer_config.json")
        except SourceError as exc:
            notes.append(error(exc))
    size = files["tokenizer.json"]
    if size > TOKENIZER_LIMIT:
        return [
            *notes,
            Note(
                "model-tokenizer-unchecked",
                "warning",
                f"tokenizer.json is {size:,} bytes, more than the {TOKENIZER_LIMIT:,} bytes infermod "
                "reads: its content is not checked",
                "the largest tokenizers in use are about 33 MB: check that the file is what its name says",
            ),
        ]
    problem: SourceError | None
    try:
        problem = tokenizer_problem(source.read_bytes("tokenizer.json", TOKENIZER_LIMIT))
    except SourceError as exc:
        problem = exc
    return [*notes, error(problem)] if problem else notes


def chat_template(source: ModelSource, files: dict[str, int]) -> tuple[str | None, list[Note]]:
    """Where the template the server uses comes from, and what is wrong with it: the template
    file when there is one, else chat_template.json's field, else tokenizer_config.json's."""
    if JINJA_FILE in files:
        problem: SourceError | None
        try:
            _, problem = template_text_problem(JINJA_FILE, source.read_bytes(JINJA_FILE, TEMPLATE_LIMIT))
        except SourceError as exc:
            problem = exc
        return JINJA_FILE, [error(problem)] if problem else []
    for path in TEMPLATE_FIELD_FILES:
        if path not in files:
            continue
        try:
            data = source.read_json(path)
        except SourceError as exc:
            return None, [error(exc)]
        field = data.get("chat_template") if isinstance(data, dict) else None
        if field is not None and field != "":
            where = path if path == "chat_template.json" else f"{path} (chat_template field)"
            return where, [error(p) for p in _field_problems(path, field)]
    return None, []


def _field_problems(path: str, field: Any) -> list[SourceError]:
    """A `chat_template` field: one template, or a list of named ones (`default`, `tool_use`)."""
    if isinstance(field, str):
        problem = jinja_problem(path, field) if field.strip() else _empty(path)
        return [problem] if problem else []
    named = isinstance(field, list) and all(
        isinstance(t, dict) and isinstance(t.get("name"), str) and isinstance(t.get("template"), str)
        for t in field
    )
    if not named or not field:
        return [
            SourceError(
                "model-chat-template",
                f"{path}: `chat_template` is {_json_kind(field)}, where the loader needs a string "
                "(or a list of named templates)",
                "copy the chat template from the base model",
            )
        ]
    found = [jinja_problem(f"{path}'s chat_template {t['name'][:40]!r}", t["template"]) for t in field]
    return [p for p in found if p]


def _empty(path: str) -> SourceError:
    return SourceError(
        "model-chat-template",
        f"{path}: `chat_template` is empty",
        "copy the chat template from the base model",
    )
