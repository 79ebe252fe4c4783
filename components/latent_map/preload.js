// Run by the page's first element (views/loaders.py early_loads), before the map's
// component is mounted: plotly.js (1.6 MB) starts to load, compile and run, and the
// map's module to download, while Streamlit still draws the rest of the page. The map then
// finds both ready (core/load.js loads a script once per URL per page).

import { loadScriptOnce } from "./core/load.js";

function preload(plotlyUrl, moduleUrls) {
  loadScriptOnce(plotlyUrl).catch(() => {}); // the map reports a failure when it needs it
  for (const url of moduleUrls) {
    const link = document.createElement("link");
    link.rel = "modulepreload";
    link.href = url;
    document.head.appendChild(link);
  }
}
