// The exported map's pointer: hover, click (a press that moves less than CLICK_SLOP_PX),
// drag to pan, wheel to zoom under the pointer, double-click to fit. What a hover or a
// click means is the page's (handlers.hover, .click, .unpin, .leave); this module only
// tells the gestures apart.

export const CLICK_SLOP_PX = 5; // a press that moves less than this is a click, not a pan

// The factor a wheel event zooms by (lines and pages count as 33 and 400 px).
export function wheelFactor(deltaY, deltaMode) {
  const scale = deltaMode === 1 ? 33 : deltaMode === 2 ? 400 : 1;
  return Math.exp(-deltaY * scale * 0.0015);
}

// mapView: view.js's MapView; handlers: {hover(px, py), click(px, py), undoClick(), leave()}
export function wirePointer(overlay, mapView, handlers) {
  let press = null;
  let dragged = false; // the last press panned the map: its click pins nothing
  const local = (e) => {
    const r = overlay.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };

  overlay.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    const [x, y] = local(e);
    press = { x, y, from: { ...mapView.view }, moved: false, id: e.pointerId };
    overlay.setPointerCapture(e.pointerId);
  });
  overlay.addEventListener("pointermove", (e) => {
    const [x, y] = local(e);
    if (press && press.id === e.pointerId) {
      const dx = x - press.x, dy = y - press.y;
      if (!press.moved && Math.hypot(dx, dy) < CLICK_SLOP_PX) return;
      press.moved = true;
      overlay.classList.add("dragging");
      mapView.panFrom(press.from, dx, dy);
      mapView.draw();
      return;
    }
    handlers.hover(x, y);
  });
  const release = (e) => {
    if (!press || press.id !== e.pointerId) return;
    dragged = press.moved || e.type !== "pointerup";
    press = null;
    overlay.classList.remove("dragging");
  };
  overlay.addEventListener("pointerup", release);
  overlay.addEventListener("pointercancel", release);
  // The browser counts the clicks: the second of a double-click (which fits the view)
  // takes the first one's pin back, so a double-click pins nothing.
  overlay.addEventListener("click", (e) => {
    if (dragged) return;
    if (e.detail === 2) handlers.undoClick();
    if (e.detail > 1) return;
    handlers.click(...local(e));
  });
  overlay.addEventListener("pointerleave", () => handlers.leave());
  overlay.addEventListener("wheel", (e) => {
    e.preventDefault();
    mapView.zoomAt(...local(e), wheelFactor(e.deltaY, e.deltaMode));
    mapView.draw();
  }, { passive: false });
  overlay.addEventListener("dblclick", () => {
    mapView.fit();
    mapView.draw();
  });
}
