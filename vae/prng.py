"""One small seeded PRNG that Python and the page's JavaScript both implement, bit for bit.

The page draws posterior samples z = mu + sigma * eps in the browser; where Python must
show the same draws (a model whose decoder runs only in Python), it uses this same
generator, so a seed means the same eps on both sides. mulberry32 (32-bit state, uint32
arithmetic that JS does exactly with Math.imul and >>>) gives uniforms; Box-Muller turns
pairs of them into standard normals. components/latent_map/core/prng.js has the twin; a
browser test checks they agree.
"""

from __future__ import annotations

import math

import numpy as np

_MASK = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    """JavaScript's Math.imul: the low 32 bits of a * b (as unsigned here)."""
    return (a * b) & _MASK


def uniforms(seed: int, n: int) -> np.ndarray:
    """n uniforms in [0, 1) from mulberry32 seeded with `seed` (taken mod 2**32): (n,) float64."""
    a = seed & _MASK
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        a = (a + 0x6D2B79F5) & _MASK
        t = _imul(a ^ (a >> 15), a | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _MASK
        out[i] = ((t ^ (t >> 14)) & _MASK) / 4294967296.0
    return out


def normals(seed: int, n: int) -> np.ndarray:
    """n standard normals by Box-Muller on pairs of `uniforms(seed, ...)`: (n,) float64."""
    u = uniforms(seed, 2 * ((n + 1) // 2))
    out = np.empty(2 * ((n + 1) // 2), dtype=np.float64)
    for k in range(0, len(u), 2):
        r = math.sqrt(-2.0 * math.log(1.0 - u[k]))  # 1 - u is in (0, 1]: log never sees 0
        out[k] = r * math.cos(2.0 * math.pi * u[k + 1])
        out[k + 1] = r * math.sin(2.0 * math.pi * u[k + 1])
    return out[:n]
