"""The models on disk and what the app says about each, read without torch.

The model picker, the Compare tab and the Latent size table need each checkpoint's
config and test figures on every page run. Loading a checkpoint needs torch (~2 s to
import) and ~50 ms a file, so the facts are kept in a small JSON record per file version
(named by its path and mtime), written the first time a model is seen (by setup for the
shipped ones). A checkpoint that cannot be read gets a record too, saying why, so it is
listed once as broken and never retried until the file changes.
"""

from __future__ import annotations

from pathlib import Path

from vae.datasets import DATASETS, dataset_title
from vae.files import file_key, read_json, write_json
from vae.i18n import Msg, msg

RECORD_VERSION = 2
KIND_ORDER = {"vae": 0, "ae": 1}


def list_models(folder: str | Path) -> list[str]:
    """Checkpoint files in `folder` (plain globbing: no torch)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [str(p) for p in sorted(folder.glob("*.pt")) if not p.name.startswith(".")]


def record_path(records: str | Path, path: str | Path) -> Path:
    return Path(records) / f"facts-{file_key(path)}.json"


def facts(path: str | Path, records: str | Path) -> dict:
    """What the app says about the checkpoint at `path`; computed once per file version.

    {name, broken (None or the reason, without server paths), kind, arch, latent_dim,
    hidden, dataset, classes (None if not stored), beta, test {recon, kl, nelbo}, epochs,
    train_images, created, interrupted, active_dims (None until the map bundle measured it)}.
    """
    record = record_path(records, path)
    found = read_json(record)
    if isinstance(found, dict) and found.get("version") == RECORD_VERSION:
        return found
    value = read_facts(path)
    write_json(record, value)
    return value


def read_facts(path: str | Path) -> dict:
    """Load the checkpoint (needs torch) and tabulate its facts; broken files say why."""
    from vae.checkpoint import CheckpointError, load_checkpoint

    try:
        ckpt = load_checkpoint(path)
    except CheckpointError as e:
        return broken(path, e.reason)
    c, meta = ckpt.config, ckpt.meta
    return {
        "version": RECORD_VERSION,
        "name": Path(path).stem,
        "broken": None,
        "kind": c.kind,
        "arch": c.arch,
        "latent_dim": c.latent_dim,
        "hidden": list(c.hidden),
        "dataset": meta.get("dataset", "mnist"),
        # the class names (None for a checkpoint from before they were stored): with
        # vae.datasets.dataset_classes the app labels a map without loading the data
        "classes": meta.get("classes"),
        "beta": float(ckpt.train.get("beta", 1.0)),
        "test": meta.get("test") or {},
        "epochs": meta.get("epochs"),
        "train_images": meta.get("train_images"),
        "created": meta.get("created"),
        "interrupted": bool(meta.get("interrupted")),
        "active_dims": None,
    }


def broken(path: str | Path, message: str) -> dict:
    """The record of an unreadable checkpoint: its reason, with the server's path cut out,
    in English ("broken") and, for a reason that remembers its key (vae.i18n.msg), as that
    key and its parameters ("broken_msg"), so the app can say it in the reader's language."""
    record = {"version": RECORD_VERSION, "name": Path(path).stem}
    if isinstance(message, Msg):
        record["broken_msg"] = msg_record(message)
    for prefix in (f"{path}: ", f"{Path(path).resolve()}: "):
        message = str(message).removeprefix(prefix)
    return {**record, "broken": message}


def msg_record(m: Msg) -> dict:
    """A Msg as JSON: {key, params}, a parameter that is a Msg itself as such a dict."""
    params = {k: msg_record(v) if isinstance(v, Msg) else str(v) for k, v in m.params.items()}
    return {"key": m.key, "params": params}


def msg_of(record: dict) -> Msg:
    """The Msg a msg_record() stored."""
    params = {k: msg_of(v) if isinstance(v, dict) else v for k, v in record["params"].items()}
    return msg(record["key"], **params)


def broken_reason(f: dict) -> str:
    """Why a model cannot be read: its Msg if the record keeps one (the app shows it in
    the reader's language), else the English text."""
    found = f.get("broken_msg")
    if isinstance(found, dict):
        try:
            return msg_of(found)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            pass  # a record of another version of the catalogs: its English words
    return f["broken"]


def set_active_dims(path: str | Path, records: str | Path, active: int) -> None:
    """Store the measured number of active latent dimensions in the model's record."""
    value = facts(path, records)
    if value.get("broken") is None and value.get("active_dims") != active:
        write_json(record_path(records, path), {**value, "active_dims": int(active)})


def sort_key(f: dict) -> tuple:
    """Models sorted by dataset (built-in ones first, then the user's by title), kind (VAE
    first), latent size, β, then name."""
    datasets = list(DATASETS)
    dataset = f.get("dataset") or ""
    return (
        f.get("broken") is not None,
        datasets.index(dataset) if dataset in datasets else len(datasets),
        "" if dataset in datasets else dataset_title(dataset).casefold(),
        dataset,
        KIND_ORDER.get(f.get("kind"), 9),
        f.get("latent_dim") or 0,
        f.get("beta") or 0,
        f["name"],
    )


def short_label(f: dict) -> str:
    """A label that tells models apart at sidebar width: "VAE 2-D β 4 · mnist-vae-2d-beta4"."""
    if f.get("broken"):
        return msg("app.label.broken", name=f["name"])
    kind = "AE" if f["kind"] == "ae" else "VAE"
    beta = f" β {f['beta']:g}" if f["kind"] == "vae" and f["beta"] != 1.0 else ""
    conv = " conv" if f["arch"] != "mlp" else ""
    return f"{kind} {f['latent_dim']}-D{beta}{conv} · {f['name']}"


def loss_line(f: dict) -> str:
    """The model's test loss in words that fit it: an AE has no ELBO, only a reconstruction.
    English, remembering its key (vae.i18n.msg): the app shows it in the reader's language."""
    test = f.get("test") or {}
    if "recon" not in test:
        return msg("app.label.loss_unknown")
    if f["kind"] == "ae":
        return msg("app.label.loss_ae", recon=f"{test['recon']:.2f}")
    return msg(
        "app.label.loss_vae",
        nelbo=f"{test['nelbo']:.2f}",
        recon=f"{test['recon']:.2f}",
        kl=f"{test['kl']:.2f}",
    )
