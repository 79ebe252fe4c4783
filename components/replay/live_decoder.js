// The live map's decoder: during a run started from the app, the trainer sends the
// decoder's weights with an epoch's map (vae/jobs.py live_decoder; views/replay.py sends
// each set to a session once), packed as the exported page packs them (vae/export.py
// pack_weights: float16, leading layers float32 where float16 would miss). Also the way
// from a point of the map to the latent point it stands for.

import { makeDecoder, unpackWeights } from "../latent_map/core/decoder.js";
import { planeToLatent } from "../latent_map/core/geometry.js";

const PIXELS = 784; // the map paints 28 x 28 decodings

const isCount = (v) => Number.isInteger(v) && v >= 0;

// A decoder record -> {decode, epoch, latentDim, floats, float32, maxError, ms}.
// Throws an Error saying what is wrong with a record that cannot decode (cut short,
// mislabelled, not base64, weights that give NaN): the caller keeps the decoder it has.
export function liveDecoder(record) {
  const started = performance.now();
  if (!record || typeof record !== "object") throw new Error("no decoder record");
  if (!Number.isInteger(record.epoch)) throw new Error("the decoder record names no epoch");
  const { layers, floats, float32 } = record;
  if (!isCount(floats) || !isCount(float32) || float32 > floats) {
    throw new Error("the decoder record has no valid float counts");
  }
  if (!Array.isArray(layers) || layers.length === 0) throw new Error("the decoder record has no layers");
  layers.forEach((l, i) => {
    if (!l || !["in", "out", "weight", "bias"].every((k) => isCount(l[k]))) {
      throw new Error(`the decoder's layer ${i} is not {in, out, weight, bias}`);
    }
    if (i > 0 && l.in !== layers[i - 1].out) throw new Error(`the decoder's layer ${i} does not follow layer ${i - 1}`);
  });
  if (layers[layers.length - 1].out !== PIXELS) {
    throw new Error(`the decoder gives ${layers[layers.length - 1].out} values, not ${PIXELS} pixels`);
  }
  let weights;
  try {
    weights = unpackWeights(record); // checks the lengths
  } catch (e) {
    throw new Error(`the decoder's weights cannot be read: ${e.message}`);
  }
  const decode = makeDecoder({ latent_dim: layers[0].in, layers, activation: record.activation }, weights); // checks the offsets and the activation
  if (!decode(new Float64Array(decode.latentDim)).every(Number.isFinite)) {
    throw new Error("the decoder's weights decode to NaN");
  }
  return {
    decode,
    epoch: record.epoch,
    latentDim: decode.latentDim,
    floats,
    float32,
    maxError: typeof record.max_error === "number" ? record.max_error : null,
    ms: performance.now() - started,
  };
}

// The latent point a point p of the map stands for: p itself in a 2-D latent space, else
// mean + p @ components on its epoch's plane ({mean, components}: vae/replay.py plane_of).
export function latentOf(p, plane) {
  return plane ? planeToLatent(plane, p) : [p[0], p[1]];
}

// Where latent point z lies on a plane (its projection), or z itself in 2-D.
export function onPlane(z, plane) {
  if (!plane) return [z[0], z[1]];
  return plane.components.map((c) => c.reduce((s, v, j) => s + v * (z[j] - plane.mean[j]), 0));
}
