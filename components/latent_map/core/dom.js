// Small DOM helpers the map and the exported page share: painting a 28 x 28 decoding on a
// canvas, a dot on an overlay, digit thumbnails and captioned figures, an element builder, a file download,
// and the number format of coordinates.

// Paint 784 intensities in [0, 1] on a 28 x 28 canvas (grayscale, opaque).
export function paint(canvas, pixels) {
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(Math.min(1, Math.max(0, pixels[i])) * 255);
    image.data[4 * i] = v;
    image.data[4 * i + 1] = v;
    image.data[4 * i + 2] = v;
    image.data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

function digitSizedCanvas(size) {
  const canvas = document.createElement("canvas");
  canvas.width = 28;
  canvas.height = 28;
  canvas.style.width = canvas.style.height = `${size}px`;
  canvas.className = "lx-thumb";
  return canvas;
}

// One test image from the sprite (vae/bundle.py sprite_png) onto a canvas of its own.
export function thumbnail(sprite, columns, index, size) {
  const canvas = digitSizedCanvas(size);
  if (sprite) {
    const ctx = canvas.getContext("2d");
    ctx.drawImage(sprite, (index % columns) * 28, Math.floor(index / columns) * 28, 28, 28, 0, 0, 28, 28);
  }
  return canvas;
}

export function digitCanvas(pixels, size) {
  const canvas = digitSizedCanvas(size);
  paint(canvas, pixels);
  return canvas;
}

export function figure(canvas, caption, title) {
  const fig = document.createElement("figure");
  fig.className = "lx-fig";
  if (title) fig.title = title;
  const cap = document.createElement("figcaption");
  cap.textContent = caption;
  fig.append(canvas, cap);
  return fig;
}

// A DOM element: h("div", "cls", "text") or h("div", "cls", [children]).
export function h(tag, cls, content) {
  const el = document.createElement(tag);
  el.className = cls;
  if (Array.isArray(content)) el.append(...content);
  else if (content !== undefined) el.textContent = content;
  return el;
}

// Write a text or an attribute only if it differs: writing the same again still changes the
// DOM (a new text node, a mutation record), which a rerun that changed nothing must not do.
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

export function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

export function saveBlob(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// A filled disc at canvas point [x, y], ringed with `stroke` (2 px) if given: the marks of
// the overlays (morph frames and endpoints, badges, the hovered point).
export function dot(ctx, [x, y], r, fill, stroke) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = fill;
  ctx.fill();
  if (stroke) {
    ctx.strokeStyle = stroke;
    ctx.lineWidth = 2;
    ctx.stroke();
  }
}

// A coordinate with 3 decimals, a figure space where the minus sign would be (aligned).
export const fmt = (v) => (v >= 0 ? "\u2007" : "") + v.toFixed(3);
