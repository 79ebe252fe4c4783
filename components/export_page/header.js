// The exported page's words around the map: the title, the model's facts line, the lead
// (2-D latent space or PCA plane), the notice of a partial test set, the footer, and the
// legend's class buttons. The texts are pure functions of the page's data (vae/export.py).

import { classColour } from "../latent_map/core/palette.js";

const count = (n) => n.toLocaleString("en-US");

// "MNIST · 2-D VAE · MLP decoder 2–256–512–784 · test −ELBO 140.12 nats · ..."
export function factsText(data, n) {
  const m = data.model;
  const facts = [
    m.dataset,
    (m.latent_dim === 2 ? "2-D " : `${m.latent_dim}-D `) + m.kind,
    "MLP decoder " + [m.latent_dim, ...m.hidden.slice().reverse(), 784].join("\u2013"),
  ];
  if (m.beta !== null && m.beta !== 1) facts.push(`\u03b2 = ${m.beta}`);
  if (m.test_nelbo !== null) {
    const what = m.kind === "VAE" ? "test \u2212ELBO " : "test reconstruction loss ";
    facts.push(`${what}${m.test_nelbo.toFixed(2)} nats`);
  }
  if (m.epochs) facts.push(`${m.epochs} epochs`);
  facts.push(`${count(n)} test ${data.item}s`);
  return facts.join(" \u00b7 ");
}

export function leadText(data) {
  const item = data.item, tail = "The decoder runs in this page: point anywhere";
  if (data.plane) {
    const share = Math.round(100 * data.plane.variance);
    return `Each dot is one test ${item}'s code \u03bc (${data.model.latent_dim}-D), shown on the PCA plane of the test set (${share}% of the variance) and coloured by class. ${tail} on the plane to see the image it stands for.`;
  }
  return `Each dot is one test ${item} placed at its code \u03bc from the encoder, coloured by class. ${tail} to see the image that place stands for.`;
}

export function footerText(data) {
  const d = data.decoder;
  return `Exported by Latent Explorer on ${data.exported}. Works offline: the test set's codes and the decoder (${count(d.floats)} weights, ${d.float32 ? "partly " : ""}float16: pixels within ${d.max_error.toFixed(3)} of PyTorch's) are inside this file. Data: ${data.credit}.`;
}

// Fill the header and footer; `$` finds an element by id.
export function fillHeader($, data, n) {
  document.title = `Latent Explorer \u00b7 ${data.model.name}`;
  $("model-name").textContent = `\u00b7 ${data.model.name}`;
  $("facts").textContent = factsText(data, n);
  $("lead").textContent = leadText(data);
  if (data.notice) {
    $("notice").hidden = false;
    $("notice").textContent = data.notice;
  }
  $("footer").textContent = footerText(data);
}

// One button per class that shows or hides it: visible[c] flips, then toggled().
export function fillLegend(legend, classes, visible, toggled, palette) {
  classes.forEach((name, c) => {
    const b = document.createElement("button");
    b.type = "button";
    b.title = `show or hide ${name}`;
    const swatch = document.createElement("span");
    swatch.className = "sw";
    swatch.style.background = classColour(palette, c);
    b.append(swatch, document.createTextNode(name));
    b.addEventListener("click", () => {
      visible[c] = !visible[c];
      b.classList.toggle("off", !visible[c]);
      toggled();
    });
    legend.appendChild(b);
  });
}
