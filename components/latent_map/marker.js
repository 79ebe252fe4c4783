// The user's digit, from the "Your digit" fragment to the map in the page.
//
// Encoding a drawing or an upload needs Python, so that view is a fragment of its own; the
// star and ellipses it puts on the map (and a morph endpoint set from it) come through this
// tiny component instead of a rerun of the map's fragment. Components run in the page, not
// in iframes, so it hands its data to every map instance through a window event.
export default function (component) {
  const { data } = component;
  window.__lxDigit = data || null;
  window.dispatchEvent(new CustomEvent("lx-digit", { detail: window.__lxDigit }));
}
