"""A t-SNE or UMAP map that is not ready yet: computed off the page, shown when ready.

Every shipped model's planes are kept beside its checkpoint (vae/planes.py) and a model
trained in the app gets its planes from the training process, after its last epoch. For
any other model (a checkpoint copied in by hand, a run stopped early) the server starts
`python -m vae.planes` once, at the lowest CPU priority, and the page says what it waits
for and when it started, polls every 2 s, and draws the map as soon as the plane is there:
no user's page ever computes a plane, and no spinner turns for a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from vae import bundle, planes
from vae.i18n import msg
from vae.projection import TITLES

from . import i18n
from .config import ROOT, STATIC
from .i18n import t
from .training import current_job


def ready(path: str, method: str) -> bool:
    """Is this model's map on this plane there without computing it (its bundle, or its
    plane beside the checkpoint, up to date)?"""
    if bundle.read_bundle(STATIC, path, method) is not None:
        return True
    return planes.read_plane(path, method) is not None


@dataclass
class Computation:
    """A `python -m vae.planes` process of this server, for one checkpoint."""

    proc: subprocess.Popen
    log: object  # its stderr, a temporary file
    started: float = field(default_factory=time.time)

    def failure(self) -> str | None:  # the child's words (English, as they are), or ours
        """Why it ended without the planes (its last words), or None while it runs or if it
        succeeded."""
        rc = self.proc.poll()
        if rc is None or rc == 0:
            return None
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else msg("app.planes.exited", code=rc)


@st.cache_resource(show_spinner=False)
def computations() -> dict[str, Computation]:
    """This server's plane computations by checkpoint path (one at a time per path)."""
    return {}


def training_computes(path: str) -> bool:
    """Is the app's training process computing this model's planes (after its last epoch)?"""
    job = current_job()
    return (
        job is not None
        and not job.finished
        and job.status == "planes"
        and Path(job.config.out).resolve() == Path(path).resolve()
    )


def computation(path: str) -> Computation:
    """The server's computation of this checkpoint's planes, started if there is none."""
    running = computations()
    found = running.get(path)
    if found is None or (found.proc.poll() is not None and not found.failure()):
        log = tempfile.TemporaryFile()  # noqa: SIM115 - open while the process lives
        proc = subprocess.Popen(
            [sys.executable, "-m", "vae.planes", "--low-priority", path],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
            env={**os.environ, "OMP_NUM_THREADS": "1"}, start_new_session=True,
        )  # fmt: skip
        found = running[path] = Computation(proc, log)
    return found


def pending(path: str, method: str) -> None:
    """Say that the plane is being computed, by whom and since when; show it when ready."""
    title = TITLES[method]
    name = Path(path).name
    if training_computes(path):
        waiting = t("app.planes.by_training", title=title, name=name)
        st.info(waiting, icon=":material/hourglass_top:")
    else:
        job = computation(path)
        problem = job.failure()
        if problem:
            st.error(t("app.planes.failed", title=title, name=name, problem=i18n.shown(problem)))
            if st.button(t("app.planes.retry"), key="plane_retry"):
                computations().pop(path, None)
                st.rerun()
            return
        since = time.strftime("%H:%M:%S", time.localtime(job.started))
        st.info(
            t("app.planes.by_server", title=title, name=name, since=since),
            icon=":material/hourglass_top:",
        )
    wait(path, method)


@st.fragment(run_every=2.0)
def wait(path: str, method: str) -> None:
    """Polls for the plane; the whole page reruns once it is there (or the computation
    failed: the page then says why)."""
    done = path in computations() and computations()[path].proc.poll() is not None
    if ready(path, method) or done:
        st.rerun(scope="app")
