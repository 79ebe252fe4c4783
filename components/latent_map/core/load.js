// What the app's map loads over the network: binary files fetched, and a classic script
// (plotly.js) added, once per URL per page. The exported page works from file:// with no
// request, so it never imports this module (tests/test_export.py checks that no fetch( is
// in the page).

const cache = () => (globalThis.__lxFetches = globalThis.__lxFetches || {});

// Asked as a range (the whole file): Streamlit gzips ./static responses in Python, at level 9,
// on every request (~120 ms of server CPU for a 3 MB decoder, which float16 weights shrink
// by 7%), and serves a range as it is. A server without ranges answers 200 with it all.
const WHOLE = { headers: { Range: "bytes=0-" } };

export function fetchBuffer(url) {
  const fetches = cache();
  if (!fetches[url]) {
    fetches[url] = fetch(url, WHOLE).then((r) => {
      if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
      return r.arrayBuffer();
    });
  }
  return fetches[url];
}

// A classic script (plotly.js) added to the page once; resolves to window.Plotly.
export function loadScriptOnce(url) {
  window.__lxScripts = window.__lxScripts || {};
  if (!window.__lxScripts[url]) {
    window.__lxScripts[url] = new Promise((resolve, reject) => {
      if (window.Plotly) return resolve(window.Plotly);
      const script = document.createElement("script");
      script.src = url;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => reject(new Error(`could not load ${url}`));
      document.head.appendChild(script);
    });
  }
  return window.__lxScripts[url];
}
