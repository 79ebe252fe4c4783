// The browser's texts: the catalog entries Python sends with a component's data (vae/i18n.py,
// `texts(lang, "map")`) or the exported page embeds, read with t(key, params).
// Templates are Python's str.format ones without format specs: "{n} epochs" -> t(key, {n: 3}).
// A key this page was not sent shows as the key itself (tests/test_i18n.py checks they exist).

let TEXTS = {};

// Take a language's texts (a flat {key: template}); called when a component's data arrives.
export function setTexts(texts) {
  if (texts && typeof texts === "object") TEXTS = texts;
}

export function t(key, params) {
  const template = Object.prototype.hasOwnProperty.call(TEXTS, key) ? TEXTS[key] : key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole);
}

// What one image of the dataset is called ("digit", "item", "image": vae/datasets.py's
// dataset_item), in the current language; a name the catalog does not know stays as it is.
export function itemName(item) {
  const names = { digit: t("map.item.digit"), item: t("map.item.item"), image: t("map.item.image") };
  return Object.prototype.hasOwnProperty.call(names, item) ? names[item] : item || names.digit;
}
