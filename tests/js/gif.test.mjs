// core/gif.js's file structure (tests/test_gif_js.py has Pillow decode its pixels).

import { test } from "node:test";
import assert from "node:assert/strict";
import { gifBytes, lzw } from "../../components/latent_map/core/gif.js";

// The blocks of a GIF89a file: [{kind, ...}], walking its extensions and image data.
function blocks(b) {
  const out = [];
  let i = 13 + 3 * 256; // header, screen descriptor, global table
  const subBlocks = () => {
    let size = 0;
    while (b[i] !== 0) {
      assert.ok(b[i] <= 255);
      size += b[i];
      i += b[i] + 1;
    }
    i++;
    return size;
  };
  while (b[i] !== 0x3b) {
    if (b[i] === 0x21) {
      const label = b[i + 1];
      i += 2;
      out.push({ kind: label === 0xff ? "application" : label === 0xf9 ? "control" : "other", at: i });
      subBlocks();
    } else if (b[i] === 0x2c) {
      const w = b[i + 5] | (b[i + 6] << 8), h = b[i + 7] | (b[i + 8] << 8);
      i += 10;
      const minCode = b[i++];
      out.push({ kind: "image", w, h, minCode, bytes: subBlocks() });
    } else {
      throw new Error(`unexpected byte ${b[i]} at ${i}`);
    }
  }
  assert.equal(i, b.length - 1, "bytes after the trailer");
  return out;
}

test("a GIF89a with a looping extension, one control block and image per frame", () => {
  const frames = [new Float32Array(784).fill(0), new Float32Array(784).fill(1), new Float32Array(784).fill(0.5)];
  const b = gifBytes(frames, 28, 28, 8);
  assert.equal(String.fromCharCode(...b.subarray(0, 6)), "GIF89a");
  assert.deepEqual([b[6], b[8]], [28, 28]);
  assert.equal(b[10], 0xf7); // a global table of 256 colours
  assert.deepEqual(Array.from(b.subarray(13 + 3 * 200, 13 + 3 * 201)), [200, 200, 200]);
  const kinds = blocks(b).map((x) => x.kind);
  assert.deepEqual(kinds, ["application", "control", "image", "control", "image", "control", "image"]);
  const control = blocks(b)[1];
  assert.equal(b[control.at + 2] | (b[control.at + 3] << 8), 8); // the delay
  assert.ok(blocks(b).filter((x) => x.kind === "image").every((x) => x.w === 28 && x.h === 28 && x.minCode === 8));
});

test("LZW of a long flat run is short; of noise, longer than the 4,096-code table", () => {
  const flat = lzw(new Array(10000).fill(7));
  assert.ok(flat.length < 300, `${flat.length} bytes for a flat run`);
  let seed = 1;
  const noise = Array.from({ length: 20000 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  assert.ok(lzw(noise).length > 20000, "noise should not compress");
});
