// Run by the page's first element (views/loaders.py early_loads), before the map's
// component is mounted: plotly.js (1.6 MB) starts to load, compile and run, and the
// map's module to download, while Streamlit still draws the rest of the page. The map then
// finds both ready (core/load.js loads a script once per URL per page).
//
// `prefetch`, run by an element just before the map (views/map.py early_fetches), starts
// fetching the model's files (points, decoder, posteriors, the test images' sprite) as soon
// as Python has chosen the model, not once the map is mounted and plotly.js has run.

import { fetchBuffer, loadScriptOnce } from "./core/load.js";

function preload(plotlyUrl, moduleUrls) {
  // the map reports a failure when it needs it (no URL: the page says why, views/loaders.py)
  if (plotlyUrl) loadScriptOnce(plotlyUrl).catch(() => {});
  for (const url of moduleUrls) {
    const link = document.createElement("link");
    link.rel = "modulepreload";
    link.href = url;
    document.head.appendChild(link);
  }
}

function prefetch(urls, imageUrl) {
  for (const url of urls) fetchBuffer(url).catch(() => {}); // the map reports a failure
  if (imageUrl) {
    // The map's own Image of this URL finds it in the page's image cache.
    window.__lxImages = window.__lxImages || {};
    if (!window.__lxImages[imageUrl]) {
      window.__lxImages[imageUrl] = new Image();
      window.__lxImages[imageUrl].src = imageUrl;
    }
  }
}
