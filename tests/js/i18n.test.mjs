// core/i18n.js: the browser's texts, as vae/i18n.py sends them (texts(lang, "map", ...)).

import { test } from "node:test";
import assert from "node:assert/strict";
import { setTexts, t, itemName } from "../../components/latent_map/core/i18n.js";

test("t fills {name} placeholders, as often as they appear, from numbers or text", () => {
  setTexts({ "map.walk.from_point": "z_j from −{range} to +{range}", "a.b": "{who} {n}" });
  assert.equal(t("map.walk.from_point", { range: 3 }), "z_j from −3 to +3");
  assert.equal(t("a.b", { who: "种子", n: 0 }), "种子 0");
  assert.equal(t("a.b"), "{who} {n}"); // no params: the template as it is
  assert.equal(t("a.b", { who: "x" }), "x {n}"); // a missing param shows, never "undefined"
  assert.equal(t("a.b", { who: "$&", n: "$1" }), "$& $1"); // values are text, not patterns
});

test("a key the page was not sent shows as the key itself", () => {
  setTexts({ "map.x": "X" });
  assert.equal(t("map.missing"), "map.missing");
  assert.equal(t("map.missing", { n: 1 }), "map.missing");
  assert.equal(t("toString"), "toString"); // no inherited property passes for a text
});

test("setTexts replaces the language; nothing, or not an object, keeps the current one", () => {
  setTexts({ "map.template.morph_title": "Morph" });
  assert.equal(t("map.template.morph_title"), "Morph");
  setTexts({ "map.template.morph_title": "插值变形" });
  assert.equal(t("map.template.morph_title"), "插值变形");
  setTexts(undefined);
  setTexts("zh");
  assert.equal(t("map.template.morph_title"), "插值变形");
});

test("itemName: a dataset's word for one image in the current language", () => {
  setTexts({ "map.item.digit": "数字", "map.item.item": "服饰", "map.item.image": "图像" });
  assert.deepEqual(["digit", "item", "image"].map(itemName), ["数字", "服饰", "图像"]);
  assert.equal(itemName("glyph"), "glyph"); // a word the catalog does not know stays
  assert.equal(itemName(undefined), "数字"); // older data without an item: digits
});
