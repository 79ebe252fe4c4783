// A grayscale animated GIF encoder (GIF89a, a 256-gray global table, LZW), for the morph's
// download. Frames are w * h values in [0, 1]; the animation loops; `delay` is in
// hundredths of a second. Small on purpose: the frames are 28 x 28 digits scaled up.
//
// Hand-written rather than an npm library (issue 15 asked; decided on 2 December 2026).
// The candidate, gifenc 1.0.3 (MIT), is a 43 KB tarball whose ES build is 9 KB of minified
// code on one line ending in `export{..., Bt as default, ...}`, which vae/jsbundle.py's
// one-statement-a-line rules cannot take, so it would need a second way of inlining (its
// 22 KB UMD build), a fetch script with a pinned checksum like scripts/fetch_plotly.py, and
// this encoder kept anyway as the fallback for an offline setup (and for node's tests,
// which must not need the registry). What it adds over these 50 lines is colour
// quantization, which 256 grays do not need. Checked instead: tests/test_gif_js.py has
// Pillow decode this encoder's frames (every gray, clipping, a full LZW table), and
// tests/js/gif.test.mjs checks the file's structure.

export function gifBytes(frames, w, h, delay) {
  const out = [];
  const bytes = (...b) => { for (const v of b) out.push(v); };
  const word = (v) => bytes(v & 255, (v >> 8) & 255);
  for (const c of "GIF89a") bytes(c.charCodeAt(0));
  word(w); word(h); bytes(0xf7, 0, 0); // global color table of 256 entries
  for (let i = 0; i < 256; i++) bytes(i, i, i);
  bytes(0x21, 0xff, 11); for (const c of "NETSCAPE2.0") bytes(c.charCodeAt(0));
  bytes(3, 1, 0, 0, 0); // loop forever
  for (const frame of frames) {
    bytes(0x21, 0xf9, 4, 0, delay & 255, (delay >> 8) & 255, 0, 0);
    bytes(0x2c); word(0); word(0); word(w); word(h); bytes(0);
    bytes(8); // LZW minimum code size
    const data = lzw(Array.from(frame, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)));
    for (let i = 0; i < data.length; i += 255) {
      const chunk = data.slice(i, i + 255);
      bytes(chunk.length, ...chunk);
    }
    bytes(0);
  }
  bytes(0x3b);
  return new Uint8Array(out);
}

export function lzw(indices) {
  const clear = 256, end = 257;
  const out = [];
  let bits = 0, acc = 0, size = 9;
  const emit = (code) => {
    acc |= code << bits; bits += size;
    while (bits >= 8) { out.push(acc & 255); acc >>= 8; bits -= 8; }
  };
  let dict = new Map();
  let next = 258;
  emit(clear);
  let prefix = indices[0];
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i];
    const key = prefix * 256 + k;
    if (dict.has(key)) { prefix = dict.get(key); continue; }
    emit(prefix);
    if (next === 4096) { // table full: start over (as omggif and giflib do)
      emit(clear); dict = new Map(); next = 258; size = 9;
    } else {
      if (next >= 1 << size) size++; // the decoder widens its codes at this same entry
      dict.set(key, next++);
    }
    prefix = k;
  }
  emit(prefix);
  emit(end);
  if (bits > 0) out.push(acc & 255);
  return out;
}
