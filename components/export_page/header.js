// The exported page's words: the static labels of its markup, the model's facts line, the
// lead (2-D latent space or PCA plane), the notice of a partial test set, the footer, the
// axes' names, and the legend's class buttons. The texts are pure functions of the page's
// data (vae/export.py) in the language of the texts it embeds (core/i18n.js; keys map.*,
// shared with the app's map, and export.*), so node can check them (tests/js/page.test.mjs).

import { classColour } from "../latent_map/core/palette.js";
import { t, itemName } from "../latent_map/core/i18n.js";

const count = (n) => n.toLocaleString("en-US");

// "MNIST · 2-D VAE · MLP decoder 2–256–512–784 · test −ELBO 140.12 nats · ..."
export function factsText(data, n) {
  const m = data.model;
  const kind = m.kind === "VAE" ? "VAE" : t("export.facts.autoencoder");
  const facts = [
    m.dataset,
    t("export.facts.model", { dim: m.latent_dim, kind }),
    t("export.facts.decoder", { layers: [m.latent_dim, ...m.hidden.slice().reverse(), 784].join("\u2013") }),
  ];
  if (m.beta !== null && m.beta !== 1) facts.push(`\u03b2 = ${m.beta}`);
  if (m.test_nelbo !== null) {
    const value = m.test_nelbo.toFixed(2);
    facts.push(m.kind === "VAE" ? t("export.facts.nelbo", { value }) : t("export.facts.reconstruction", { value }));
  }
  if (m.epochs) facts.push(t("export.facts.epochs", { n: m.epochs }));
  facts.push(t("export.facts.images", { n: count(n), item: itemName(data.item) }));
  return facts.join(" \u00b7 ");
}

export function leadText(data) {
  const item = itemName(data.item);
  if (data.plane) {
    const share = Math.round(100 * data.plane.variance);
    return t("export.lead.plane", { item, dim: data.model.latent_dim, share });
  }
  return t("export.lead.latent", { item });
}

export function footerText(data) {
  const d = data.decoder;
  return t("export.footer", {
    date: data.exported, weights: count(d.floats), error: d.max_error.toFixed(3), credit: data.credit,
    precision: d.float32 ? t("export.precision.partly") : t("export.precision.half"),
  });
}

// The notice of a test set shown in part (data.notice: {images, source}), or null.
export function noticeText(data) {
  const notice = data.notice;
  return notice ? t("export.notice", { n: count(notice.images), source: notice.source }) : null;
}

// The axes' names: a PCA plane's with their share of the variance, else the data's (z1, z2).
export function axisNames(data) {
  const shares = data.plane && data.plane.axis_variance;
  if (!shares) return data.axes;
  return shares.map((v, k) => t("map.plot.pc_axis", { k: k + 1, share: Math.round(100 * v) }));
}

// Every text the page shows before anyone points at the map: [element id, what, text], what
// being "text" (its textContent) or an attribute's name.
export function pageTexts(data, n) {
  const prompt = [t("map.prompt.hover_mouse"), t("map.prompt.pin_mouse")];
  const texts = [
    ["model-name", "text", `\u00b7 ${data.model.name}`],
    ["lead", "text", leadText(data)],
    ["facts", "text", factsText(data, n)],
    ["legend-title", "text", t("export.legend.title")],
    ["overlay", "aria-label", t("export.map.aria")],
    ["fit", "text", t("export.map.fit")],
    ["fit", "title", t("export.map.fit_title")],
    ["hint", "text", t("export.map.hint")],
    ["hover-title", "text", t("map.template.hover_title")],
    ["hover-text", "text", prompt[0]],
    ["pin-title", "text", t("map.template.pin_title")],
    ["pin-text", "text", prompt[1]],
    ["use-a", "text", t("export.pin.use", { end: "A" })],
    ["use-b", "text", t("export.pin.use", { end: "B" })],
    ["morph-title", "text", t("map.template.morph_title")],
    ["method-label", "text", t("map.template.path")],
    ["method", "aria-label", t("map.template.path_aria")],
    ["method-linear", "text", t("map.morph.linear")],
    ["method-spherical", "text", t("map.template.spherical_option")],
    ["slider", "aria-label", t("export.morph.slider_aria")],
    ["footer", "text", footerText(data)],
  ];
  const notice = noticeText(data);
  if (notice) texts.push(["notice", "text", notice]);
  return texts;
}

// Fill the page's texts (pageTexts) and its title; `$` finds an element by id.
export function fillHeader($, data, texts) {
  document.title = `Latent Explorer \u00b7 ${data.model.name}`;
  for (const [id, what, text] of texts) {
    if (what === "text") $(id).textContent = text;
    else if (what === "title") $(id).title = text;
    else $(id).setAttribute(what, text);
  }
  $("notice").hidden = !noticeText(data);
}

// One button per class that shows or hides it: visible[c] flips, then toggled().
export function fillLegend(legend, classes, visible, toggled, palette) {
  classes.forEach((name, c) => {
    const b = document.createElement("button");
    b.type = "button";
    b.title = t("export.legend.toggle", { name });
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
