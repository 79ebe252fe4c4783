// The map component's markup: the plot and its overlay canvas, the two cards (under the
// pointer, clicked point), the clicked point's details, the morph panel and the walk. The
// parts (plot.js, overlay.js, clicked.js, morph.js, walk.js) find their elements by class.

export const STRIP_SCALE = 2; // the morph strip's frames, at this many pixels per pixel

// What the two cards say before there is anything to show, in the words of the device:
// a finger has no hover (touch.js: a long press), a mouse does.
export function prompts() {
  const finger = typeof matchMedia === "function" && matchMedia("(hover: none)").matches;
  return finger
    ? { hover: "hold a finger on the map, then move it", pin: "tap anywhere on the map" }
    : { hover: "move over the map", pin: "click anywhere on the map" };
}

export const HTML = `
<div class="lx-main">
  <div class="lx-plot-wrap">
    <div class="lx-plot"></div>
    <canvas class="lx-overlay"></canvas>
    <div class="lx-loading">Loading the latent map…</div>
  </div>
  <div class="lx-side">
    <div class="lx-cards">
      <div class="lx-card lx-card-hover">
        <div class="lx-title">Under the pointer</div>
        <canvas class="lx-digit lx-hover lx-empty" width="28" height="28"></canvas>
        <div class="lx-coords lx-hover-coords"></div>
      </div>
      <div class="lx-card lx-card-pin">
        <div class="lx-title">Clicked point</div>
        <canvas class="lx-digit lx-pin lx-empty" width="28" height="28"></canvas>
        <div class="lx-coords lx-pin-coords" aria-live="polite"></div>
      </div>
    </div>
    <div class="lx-details"></div>
  </div>
</div>
<div class="lx-morph">
  <div class="lx-morph-head">
    <span class="lx-title">Morph</span>
    <span class="lx-morph-ends"></span>
  </div>
  <div class="lx-morph-body">
    <canvas class="lx-digit lx-morph-frame" width="28" height="28"></canvas>
    <div class="lx-morph-controls">
      <div class="lx-morph-pickers">
        <label>A <select class="lx-pick-a" aria-label="class for A"></select></label>
        <button class="lx-btn lx-other-a" aria-label="another example of this class for A" title="another example of this class for A">↻</button>
        <label>B <select class="lx-pick-b" aria-label="class for B"></select></label>
        <button class="lx-btn lx-other-b" aria-label="another example of this class for B" title="another example of this class for B">↻</button>
        <label>path <select class="lx-method" aria-label="interpolation">
          <option value="linear">linear</option><option value="spherical">spherical (slerp)</option>
        </select></label>
        <label>frames <input class="lx-frames" type="number" min="3" max="16" value="9" aria-label="frames in the strip" /></label>
        <button class="lx-btn lx-dl-png">strip (PNG)</button>
        <button class="lx-btn lx-dl-gif">morph (GIF)</button>
      </div>
      <input class="lx-slider" type="range" min="0" max="1000" value="500" aria-label="morph position t (arrow keys: one frame)" />
      <div class="lx-morph-t">t = 0.50</div>
      <canvas class="lx-strip" height="${28 * STRIP_SCALE}"></canvas>
    </div>
  </div>
</div>
<div class="lx-walk">
  <div class="lx-morph-head">
    <span class="lx-title">Walk every dimension</span>
    <span class="lx-walk-from">click a point or a test image on the map</span>
  </div>
  <div class="lx-walk-controls">
    <input class="lx-walk-slider" type="range" min="-300" max="300" value="0" aria-label="value of each dimension" />
    <span class="lx-walk-value">z_j = 0.00</span>
  </div>
  <div class="lx-walk-rows"></div>
</div>`;
