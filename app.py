"""Latent Explorer: see and touch what a variational autoencoder learned on MNIST.

    streamlit run app.py

This file is the server: Streamlit finds the st.App below and serves, to every session,
the page script page.py (which lays out the views/, one a module; their science is in
vae/, which never imports streamlit; the map's browser side is components/latent_map/).

What it adds to Streamlit's own server is for the first page to come sooner
(views/server.py): the page's HTML starts loading plotly.js, at start a thread imports what
the first page run would, Streamlit's scan of the installed packages for components reads
only what it needs, its connections send without waiting for the peer's ACK, and its own
scripts are answered from memory. The rest, from the health check to the files under
/app/static, is Streamlit's, configured by .streamlit/config.toml as before.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware
from streamlit import config

from views import server

server.quick_component_scan()  # before Streamlit builds its runtime, which scans
app = st.App(
    "page.py",
    routes=server.routes(config.get_option("server.baseUrlPath")),
    lifespan=server.lifespan,
    middleware=[Middleware(server.NoteVisits), Middleware(server.StaticBodies)],
)
