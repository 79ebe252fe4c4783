// The exported page in Chinese (fixture page_zh.html, `export_html(..., lang="zh")`): its
// bundled script runs in node on a stand-in DOM that records every text the page writes
// (textContent, title, attributes, canvas text), through start-up, a hover and a click.
// Beside names (the model's, the dataset's credit and source) and symbols, no English.

import { test } from "node:test";
import assert from "node:assert/strict";
import { fixtures, text } from "./fixtures.mjs";

const html = text(fixtures.page.html_zh);
const data = JSON.parse(html.match(/<script type="application\/json" id="lx-data">([\s\S]*?)<\/script>/)[1]);
const script = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1])[0];

// Words a Chinese page may show in Latin letters (as tests/test_i18n.py's LATIN_OK).
const LATIN_OK = new Set(["latent", "explorer", "mnist", "vae", "mlp", "elbo", "nats", "pca", "float",
  "pytorch", "slerp", "png", "gif", "esc", "shift"]);

// A stand-in for any DOM object: every property is another stand-in (kept once set), calls
// and `new` give stand-ins, numbers read 0; what the page writes goes to `log`.
function standIn(name, log, extra = {}) {
  const store = { ...extra };
  return new Proxy(function () {}, {
    get(_, key) {
      if (key === Symbol.toPrimitive) return () => 0;
      if (key === "then") return undefined; // not a promise
      if (!(key in store)) store[key] = standIn(`${name}.${String(key)}`, log);
      return store[key];
    },
    set(_, key, value) {
      store[key] = value;
      if (typeof value === "string") log.push({ name, key: String(key), value });
      return true;
    },
    apply(_, __, args) {
      log.push({ name, call: args });
      return standIn(`${name}()`, log);
    },
    construct() {
      return standIn(`new ${name}`, log);
    },
  });
}

// Run the page's script on the stand-in DOM; returns what it wrote and the overlay's listeners.
function runPage() {
  const log = [], elements = {}, listeners = {};
  const rect = () => ({ left: 0, top: 0, width: 800, height: 560 });
  const element = (id) => {
    if (id === "lx-data") return { textContent: JSON.stringify(data) };
    elements[id] ||= standIn(`#${id}`, log, {
      getBoundingClientRect: rect,
      addEventListener: (type, fn) => { (listeners[`${id}:${type}`] ||= []).push(fn); },
    });
    return elements[id];
  };
  const document = standIn("document", log, { getElementById: element });
  const window = standIn("window", log, { devicePixelRatio: 1, ResizeObserver: undefined });
  new Function("document", "window", "ResizeObserver", script)(document, window, undefined);
  return { log, listeners, window };
}

// What a reader sees: written texts, attributes, canvas text, the page's title.
function shownTexts(log) {
  const out = [];
  for (const entry of log) {
    if (entry.call && /\.(setAttribute)$/.test(entry.name)) out.push(String(entry.call[1]));
    else if (entry.call && /\.fillText$/.test(entry.name)) out.push(String(entry.call[0]));
    else if (["textContent", "title"].includes(entry.key)) out.push(entry.value);
  }
  return out;
}

function englishIn(texts) {
  const names = [data.credit, data.model.name, data.notice && data.notice.source].filter(Boolean);
  const bad = [];
  for (let s of texts) {
    for (const n of names) s = s.split(n).join("");
    const words = s.match(/[A-Za-z][A-Za-z-]{2,}/g) || [];
    for (const w of words) if (!LATIN_OK.has(w.toLowerCase())) bad.push(`${w} in “${s}”`);
  }
  return bad;
}

test("the Chinese page embeds the Chinese texts of the map and the export", () => {
  assert.match(html, /^<!doctype html>\n<html lang="zh">/);
  assert.equal(data.lang, "zh");
  assert.equal(data.texts["map.template.morph_title"], "插值变形");
  assert.equal(data.texts["export.legend.title"], "类别：");
  assert.ok(Object.keys(data.texts).every((k) => k.startsWith("map.") || k.startsWith("export.")));
});

test("start-up, a hover and a click write Chinese, with no English words", () => {
  const { log, listeners, window } = runPage();
  const api = window.latentExplorer;
  assert.equal(api.snapshot().ready, true);
  const started = shownTexts(log);
  const has = (s) => started.some((x) => x.includes(s));
  for (const s of ["类别：", "指针下方", "点击的点", "插值变形", "点击地图上的任意位置", "适应视图", "线性", "由 Latent Explorer 于"]) {
    assert.ok(has(s), `“${s}” is not on the page: ${started.join(" | ")}`);
  }
  assert.ok(has("测试 −ELBO") && has("300 个测试数字"), started.join(" | "));
  // hover and click on a test point (the morph's end A): its text names the image in Chinese
  const a = data.morph.a, [x, y] = api.toPixel(a.z);
  const at = { clientX: x, clientY: y, detail: 1, button: 0, pointerId: 1 };
  for (const fn of listeners["overlay:pointermove"]) fn(at);
  for (const fn of listeners["overlay:click"]) fn(at);
  assert.equal(api.snapshot().pin.index, a.index);
  const after = shownTexts(log).slice(started.length);
  assert.ok(after.some((s) => s.includes(`测试数字 #${a.index}（“${a.label}”）`)), after.join(" | "));
  const empty = api.toPixel([40, 40]); // far from every point
  for (const fn of listeners["overlay:click"]) fn({ ...at, clientX: empty[0], clientY: empty[1] });
  assert.ok(shownTexts(log).some((s) => s.endsWith("空白区域")));
  assert.deepEqual(englishIn(shownTexts(log)), []);
  assert.deepEqual(englishIn(["适应 fit view"]), ["fit in “适应 fit view”", "view in “适应 fit view”"]);
});
