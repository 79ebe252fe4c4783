// Measurements of the page, for the test API (testapi.js) and bench/ui_latency.py: pointer
// decodings and hover frames, each click's paint latency, and the load's marks (ms of page
// time when the map was mounted, Plotly loaded, the data fetched, the map plotted, the
// extras loaded). One object for every map on the page.

export const stats = {
  decodes: 0, lastDecodeMs: 0, hoverFrames: 0, clicks: [], readyAt: null, marks: {},
};

export function mark(name) {
  if (!(name in stats.marks)) stats.marks[name] = Math.round(performance.now());
}

export function countDecode() {
  stats.decodes++;
}
