// A map's extras: what it needs after its points and decoder, for the click details and
// the arithmetic (the test set's posteriors, the decoder of latent points when the map's
// own decodes plane points, the sprite of test images). map.js build asks for them with the
// rest and takes them before its plot if they are already here (the page prefetched them:
// preload.js), else once they come.

import { makeDecoder } from "./core/decoder.js";
import { parseMatrix } from "./core/blobs.js";
import { fetchBuffer } from "./core/load.js";
import { mark, countDecode } from "./stats.js";

// Resolves to [mu, sigma, latent decoder, sprite] (null for what this map has not or
// could not get: the map works without them).
export function fetchExtras(data) {
  const latent = data.latent_decoder && data.latent_decoder_url !== data.decoder_url;
  return Promise.all([
    fetchBuffer(data.mu_url), // the same fetch as build's when it needs mu (core/load.js)
    data.sigma_url ? fetchBuffer(data.sigma_url) : null, // none for an AE
    latent ? fetchBuffer(data.latent_decoder_url) : null,
    data.sync ? null : new Promise((resolve) => { // linked maps show no thumbnails
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => resolve(null); // thumbnails stay blank; nothing else depends on them
      img.src = data.images_url;
    }),
  ]).catch((err) => {
    console.error("latent map: posteriors or latent decoder:", err);
    return [null, null, null, null];
  });
}

export function takeExtras(map, data, [muBuf, sigmaBuf, latentBuf, sprite]) {
  if (!map.mu && muBuf) map.mu = parseMatrix(muBuf);
  map.sigma = sigmaBuf ? parseMatrix(sigmaBuf) : null;
  if (latentBuf) map.decodeLatent = makeDecoder(data.latent_decoder, latentBuf, countDecode);
  map.sprite = sprite;
  mark("extras");
}
