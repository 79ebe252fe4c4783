"""The explorer's page, one view a module; page.py lays them out.

    config      paths and constants the views share
    loaders     every st.cache_* loader (models, data, map bundles, components)
    state       session state defaults and the link in the address bar
    map         the latent map component: its one payload builder and the explorer's map
    plane_status a t-SNE or UMAP map not ready yet: computed off the page, shown when ready
    clicked     a click on the map (the details are drawn by the component, in the browser)
    morph       morph endpoints and path (slider and strip run in the browser)
    digit       your digit: draw or upload, encode, land on the map
    manifold    a grid of decodings over the visible region
    compare     two models side by side (the Compare tab)
    latent_size what more latent dimensions buy (the Latent size tab)
    sidebar     model picker, the data's name, sharing and CSV
    training    training a new model from the app

The science is in `vae/` (which never imports streamlit); the browser side of the map
is `components/latent_map/`.
"""
