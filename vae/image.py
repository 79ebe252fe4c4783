"""Turn a user's picture of a handwritten digit into the 28x28 input an MNIST model sees.

A model trained on MNIST has only ever seen digits made one way (LeCun et al., 1998): light
ink on a black field, size-normalised to fit a 20x20 box with the aspect ratio kept,
antialiased, then placed in 28x28 so that the centre of mass sits at pixel (14, 14). A phone
photo of dark ink on grey paper is far from that, so uploads and canvas drawings are made the
same way before they reach the encoder:

    bytes -> load_image -> to_grayscale_array -> to_mnist -> (28, 28) float32, ink = 1

`to_mnist` measures the light on the border (where a photo shows paper), picks the polarity,
removes the lighting (a gradient, vignetting, a shadow: tile by tile unless the digit fills the
picture), stretches the contrast, crops to the ink, thickens pen-thin strokes, fits the 20x20
box and centres the mass.

Everything here is pure (bytes or arrays in, arrays out) and never imports streamlit. Anything
wrong with the input raises `ImageError`, whose message the app shows to the user as it is
(in the user's language: messages and notes are vae.i18n `msg`s, English as str).
Doubts that do not stop the picture being used (two digits side by side, as in "42") come back
as notes from the `*_report` variants: `preprocess_upload_report` and `from_canvas_report`
return `Prepared(image, notes)`.
"""

from __future__ import annotations

import io
import math
import warnings
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageFile, ImageFilter, ImageOps, UnidentifiedImageError

from vae.i18n import msg

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48 MP phone photo is refused; more is a decompression bomb

# Formats a browser or phone produces. Naming them stops PIL from trying every plugin it has
# on untrusted bytes (EPS, for one, would hand the file to Ghostscript).
FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")  # JPEG covers MPO from cameras
# What the app's uploader accepts, by file extension: the one list for the uploader and for
# every message that names formats. TIFF decodes (FORMATS) but browsers do not show it, so
# the uploader refuses it and no message may offer it.
UPLOAD_EXTENSIONS = ("png", "jpg", "jpeg", "webp", "bmp", "gif")
_FORMAT_NAMES = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "webp": "WebP", "bmp": "BMP",
                 "gif": "GIF"}  # fmt: skip

MNIST_SIDE = 28
DIGIT_BOX = 20  # MNIST's size normalisation: the longer side of the ink is 20 px
# Real MNIST test digits have their centre of mass at (13.99, 14.01) in index coordinates,
# each within 0.5 px of (14, 14): LeCun's centring used whole-pixel shifts.
MNIST_CENTRE = 14

WORK_SIDE = 1024  # analyse big photos at this size: a 20 px target needs no more, and it is fast
MIN_CONTRAST = 0.1  # ink fainter than this against the paper is not told apart from blank
NOISE_SIGMAS = 4.0  # noise floor; ink must stand twice as far above the paper to count
INK_FLOOR = 0.25  # below this fraction of the strongest ink is paper texture, shadow, JPEG noise
STROKE_CORE = 75  # percentile of the ink that is stretched to 1, so a stroke's core saturates
MASS_TRIM = 0.002  # share of the ink allowed outside the crop at each side: dust, stray specks
# Stroke widths at 28x28 as `_stroke_width` measures them (it reads diagonal strokes a little
# thin): MNIST's median is 1.9 px and 99% are above 0.8. Thinner strokes, a ballpoint in a
# photo or a fine pen on the canvas, are widened to the median.
THIN_STROKE = 0.8
MNIST_STROKE = 1.9
RING_DECISIVE = 0.6  # share of the border on one side of the split that makes that side paper
# Salt-and-pepper noise: this many separate specks, none holding this share of the ink
MANY_SPECKS = 30
SPECK_SHARE = 0.1
SPREAD_CELLS, SPREAD_SHARE = 6, 0.2  # a pattern's ink: in every cell of 6x6, 20-80% of it
TILE = 9  # pixels in a typical piece of a tiled pattern (a checker's square is far more)
# Two digits side by side: blobs that overlap by less than this share of their width are
# apart (handwriting kerns), each at least this share of the tallest's height and of the ink.
BLOB_KERNING = 0.15
BLOB_HEIGHT = 0.7
BLOB_MASS = 0.15
FIT_POINTS = 65_536  # pixels sampled to fit the paper's plane
RING_POINTS = 8_192  # border pixels sampled to fit the light: 4 refits of a median each
SHADE_TILES = 8  # tiles across the shorter side, to follow vignetting and shadows
PLANE, QUADRATIC = 3, 6  # terms of a lighting surface
CROP_SPAN = 0.75  # ink across this share of both sides: a tight crop, not a photo
LOCAL_WINDOW = 8  # the paper around a pixel: this share of the shorter side (1/8)
LOCAL_SNR = 16.0  # against that local paper, ink stands this many noise widths out


def upload_formats_text() -> str:
    """The accepted formats for people: "PNG, JPEG, WebP, BMP or GIF" (jpg and jpeg are one)."""
    names = list(dict.fromkeys(_FORMAT_NAMES[extension] for extension in UPLOAD_EXTENSIONS))
    if len(names) == 1:
        return names[0]
    return msg("image.upload.formats", some=", ".join(names[:-1]), last=names[-1])


def upload_size_text() -> str:
    """The upload size limit for people, from MAX_UPLOAD_BYTES: "10 MB"."""
    return f"{MAX_UPLOAD_BYTES / 2**20:g} MB"


class ImageError(ValueError):
    """Message is shown to the user as-is: clear, says what is wrong and what to do."""


class BlankImageError(ImageError):
    """The picture holds no digit: one uniform colour, or nothing above the noise."""


def load_image(data: bytes) -> Image.Image:
    """Decode an uploaded file into a fully loaded PIL image (first frame if animated).

    The pixel count is checked before any pixel is decoded, so a small file that claims to be
    huge costs nothing. Large JPEGs decode at a reduced scale (DCT scaling): the result is
    shrunk to 28x28 anyway, and this saves memory and time. EXIF rotation from phones is
    applied so the digit is upright.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageError(msg("image.error.not_bytes", kind=type(data).__name__))
    size = len(data)
    if size == 0:
        raise ImageError(msg("image.error.empty"))
    if size > MAX_UPLOAD_BYTES:
        raise ImageError(
            msg("image.error.too_big", size=f"{size / 2**20:.1f}", limit=upload_size_text())
        )
    # Pillow's own bomb check only warns between 89 and 179 MP; make the warning an error here.
    # catch_warnings touches process-wide state, but only for this one warning class.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open(bytes(data))
        if image.width * image.height > MAX_PIXELS:
            raise _too_many_pixels(image.width, image.height)
        if image.format in ("JPEG", "MPO") and max(image.size) > 2 * WORK_SIDE:
            image.draft(None, (WORK_SIDE, WORK_SIDE))
        _decode(image)
    return _upright(image)


def _open(data: bytes) -> ImageFile.ImageFile:
    try:
        return Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageError(msg("image.error.bomb")) from error
    except UnidentifiedImageError as error:
        raise ImageError(
            msg("image.error.unreadable", formats=upload_formats_text(), limit=upload_size_text())
        ) from error
    except Exception as error:  # a malformed header can raise almost anything inside a plugin
        raise _damaged() from error


def _decode(image: Image.Image) -> None:
    # Without ImageFile.LOAD_TRUNCATED_IMAGES (left off on purpose: it is global) a cut-off
    # file raises here instead of decoding into a half-grey picture.
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError) as error:
        raise _too_many_pixels(image.width, image.height) from error
    except Exception as error:
        raise _damaged() from error


def _upright(image: Image.Image) -> Image.Image:
    try:
        orientation = image.getexif().get(0x0112, 1)  # EXIF Orientation, set by phones
        return ImageOps.exif_transpose(image) if orientation in range(2, 9) else image
    except Exception:  # unreadable EXIF only loses the rotation, not the picture
        return image


def _too_many_pixels(width: int, height: int) -> ImageError:
    millions = f"{MAX_PIXELS / 1e6:.0f}"
    return ImageError(
        msg("image.error.too_many_pixels", width=width, height=height, millions=millions)
    )


def _damaged() -> ImageError:
    return ImageError(msg("image.error.damaged"))


def to_grayscale_array(image: Image.Image) -> np.ndarray:
    """Luminance of any PIL image as float32 (H, W) in [0, 1], white = 1.

    Transparent pixels become background: the colour of the opaque paper if most of the image
    is opaque, else the opposite of the opaque ink (black strokes on a transparent canvas end
    up on white, white strokes on black).
    """
    try:
        if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
            return _high_depth_gray(image)
        if image.has_transparency_data:
            # via RGBA: that is the conversion that honours a palette's transparent index
            la = np.asarray(image.convert("RGBA").convert("LA"), dtype=np.float32) / 255.0
            return _flatten_alpha(la[..., 0], la[..., 1])
        return np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    except ImageError:
        raise
    except Exception as error:
        raise ImageError(msg("image.error.mode", mode=repr(image.mode))) from error


def _high_depth_gray(image: Image.Image) -> np.ndarray:
    # Pillow's own I;16 -> L conversion clips at 255 instead of scaling, so scale here.
    if image.mode.startswith("I;16"):
        return np.asarray(image, dtype=np.float32) / 65535.0
    # 32-bit int and float pictures say nothing about their range: guess the smallest usual
    # full scale that holds them. A wrong guess only changes the contrast, which to_mnist
    # normalises anyway.
    values = np.nan_to_num(np.asarray(image, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    values = values - min(float(values.min(initial=0.0)), 0.0)
    high = float(values.max(initial=0.0))
    full_scale = next((scale for scale in (1.0, 255.0, 65535.0) if high <= scale), high)
    return (values / full_scale).astype(np.float32)


def _flatten_alpha(luma: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    opaque = alpha >= 0.5
    if not opaque.any():
        return np.ones_like(luma)  # nothing visible: uniform, to_mnist will call it blank
    opaque_median = float(np.median(luma[opaque]))
    # Mostly opaque: it is paper with a digit on it, and holes in it are more paper.
    # Mostly transparent: the opaque part is the ink, so the background is its opposite.
    ink_is_dark = opaque_median < 0.5
    background = opaque_median if opaque.mean() >= 0.5 else float(ink_is_dark)
    return (luma * alpha + background * (1.0 - alpha)).astype(np.float32)


class Prepared(NamedTuple):
    """A picture made into the encoder's input, and what the user should be told about it."""

    image: np.ndarray  # (28, 28) float32 in [0, 1], ink = 1
    notes: tuple[str, ...]  # warnings (vae.i18n msgs) to show beside the result; () if none


def to_mnist(gray: np.ndarray) -> np.ndarray:
    """(H, W) gray in [0, 1], either polarity -> (28, 28) float32 in [0, 1], MNIST-style.

    Ink is 1 and paper 0; the ink's longer side is 20 px and its centre of mass is at pixel
    (14, 14). Raises BlankImageError (an ImageError) if there is no digit to find.
    """
    return to_mnist_report(gray).image


def to_mnist_report(
    gray: np.ndarray, *, what: str | None = None, advice: str | None = None
) -> Prepared:
    """Like to_mnist, plus notes: (H, W) gray -> Prepared((28, 28) image, notes).

    `what` and `advice` word the notes for where the picture came from (default: a picture,
    to crop): a drawing is not cropped but drawn anew.
    """
    what = msg("image.note.picture") if what is None else what
    advice = msg("image.note.crop") if advice is None else advice
    image, digits = _prepare(gray)
    notes = (_several_digits_note(digits, what, advice),) if digits > 1 else ()
    return Prepared(image, notes)


def _prepare(gray: np.ndarray) -> tuple[np.ndarray, int]:
    """(H, W) gray -> the (28, 28) digit, and how many digits stand side by side in it."""
    work = _shrink(_checked_gray(gray), WORK_SIDE)
    ink = _ink(work)
    digits = _digits_side_by_side(ink)
    crop = _crop_to_ink(ink)
    digit = _fit_box(crop)
    return _centred(digit), digits


def _several_digits_note(digits: int, what: str, advice: str) -> str:
    # Not refused: the user may want to see what the model makes of "42", and a false alarm
    # must not block a real digit. The note says why the result may look odd.
    return msg("image.note.several", what=what, n=digits, advice=advice)


def _checked_gray(gray: np.ndarray) -> np.ndarray:
    try:
        array = np.asarray(gray, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise ImageError(msg("image.error.not_gray")) from error
    if array.ndim != 2 or array.size == 0:
        raise ImageError(msg("image.error.shape", shape=str(array.shape)))
    if not np.isfinite(array).all():
        raise ImageError(msg("image.error.invalid"))
    return np.clip(array, 0.0, 1.0)


def _shrink(gray: np.ndarray, side: int) -> np.ndarray:
    height, width = gray.shape
    if max(height, width) <= side:
        return gray
    scale = side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # area averaging: every input pixel counts, so thin strokes fade but never vanish
    return np.asarray(Image.fromarray(gray).resize(size, Image.Resampling.BOX))


def _ink(gray: np.ndarray) -> np.ndarray:
    """Gray of either polarity -> ink map: paper 0, stroke core 1."""
    try:
        return _ink_under_even_light(gray)
    except BlankImageError:
        return _ink_against_local_paper(gray)


def _ink_against_local_paper(gray: np.ndarray) -> np.ndarray:
    """The last try before "blank", for a photo whose light no smooth surface follows (a
    sharp, deep shadow and vignetting at once): ink measured against the paper around it.

    The ink must stand LOCAL_SNR noise widths out on its side. Noise, grain, stripes, a
    checkerboard and shadow edges left after the local median reach half that at most; a
    faint, blurred stroke in the generated photos reaches 22 or more.
    """
    contrast = _local_contrast(gray)
    if -float(contrast.min()) > float(contrast.max()):
        contrast = -contrast
    noise = _noise_sigma(contrast)
    peak = float(contrast.max())
    if peak < max(LOCAL_SNR * noise, 2.0 / 255.0):
        raise _blank()
    ink = np.clip(contrast - max(INK_FLOOR * peak, NOISE_SIGMAS * noise), 0.0, None)
    if _only_specks(ink > 0) or _tiled(ink > 0):
        raise _blank()
    core = float(np.percentile(ink[ink > 0], STROKE_CORE))
    return np.clip(ink / core, 0.0, 1.0).astype(np.float32)


def _ink_under_even_light(gray: np.ndarray) -> np.ndarray:
    """The ink map with the light taken out by smooth surfaces (a plane, a bowl, tiles)."""
    ring = _border_mask(gray.shape)
    # The light, measured on the border, where a photo shows paper (and a tight crop mostly
    # does): with it taken out the paper is one level even under vignetting, and the ink is
    # the extreme further from the border's level. A bowl (vignetting) fits the border of a
    # photo better than a plane, but can bend to ink that touches the border of a tight crop;
    # where the two disagree, the border's majority side of the two-class split is the paper
    # (the rule that was wrong once in 4,000 tightly cropped MNIST digits).
    level = gray - _trend(gray, ring, QUADRATIC)
    dark = _far_side_is_dark(level, ring)
    if dark != _far_side_is_dark(gray - _trend(gray, ring, PLANE), ring):
        level = gray
        dark = _paper_is_light(gray, ring, _otsu_split(gray))
        try:
            return _ink_of(gray, level, dark)
        except BlankImageError:
            # Under a deep shadow or strong vignetting both fits bend, and the raw gray's
            # extremes are the shadow's, not the ink's: the polarity may be wrong, which
            # leaves no ink. Against the paper around it (a local median, blind to strokes
            # narrower than its window) the ink is the one side that stands far out; noise,
            # textures and shadow edges stand out about as far both ways.
            contrast = _local_contrast(gray)
            if (-float(contrast.min()) > float(contrast.max())) == dark:
                raise
            return _ink_of(gray, level, not dark)
    return _ink_of(gray, level, dark)


def _ink_of(gray: np.ndarray, level: np.ndarray, dark: bool) -> np.ndarray:
    """The ink map of `gray` with its light taken out as `level`, dark ink if `dark`."""
    split = _otsu_split(level)
    if dark:
        gray, level, split = 1.0 - gray, -level, -split
    # From here the ink is light and the paper dark.
    residual = gray - _paper_level(gray, level <= split)
    noise = _noise_sigma(residual)
    peak = float(residual.max())
    floor = max(INK_FLOOR * peak, NOISE_SIGMAS * noise)
    if peak < max(MIN_CONTRAST, 2.0 * NOISE_SIGMAS * noise):
        raise _blank()
    ink = np.clip(residual - floor, 0.0, None)
    if _only_specks(ink > 0) or _tiled(ink > 0):
        raise _blank()
    core = float(np.percentile(ink[ink > 0], STROKE_CORE))
    return np.clip(ink / core, 0.0, 1.0).astype(np.float32)


def _local_contrast(gray: np.ndarray) -> np.ndarray:
    """Gray minus the local median of a window an eighth of the picture's shorter side,
    smoothed over a pixel: (H, W) -> (H, W). The median is taken on a coarse grid (seven
    samples across the window) and interpolated, so it costs little at any size."""
    from scipy import ndimage

    height, width = gray.shape
    window = max(3, round(min(height, width) / LOCAL_WINDOW))
    step = max(1, window // 7)
    coarse = gray[::step, ::step]
    background = ndimage.median_filter(coarse, size=max(3, window // step | 1), mode="nearest")
    background = Image.fromarray(background.astype(np.float32))
    background = np.asarray(background.resize((width, height), Image.Resampling.BILINEAR))
    return ndimage.gaussian_filter(gray - background, 1.0)


def _sample(shape: tuple[int, int]) -> tuple[slice, slice]:
    """A grid of about FIT_POINTS pixels: plenty to measure the paper on, and fast."""
    step = max(1, math.ceil(math.sqrt(shape[0] * shape[1] / FIT_POINTS)))
    return slice(None, None, step), slice(None, None, step)


def _far_side_is_dark(level: np.ndarray, ring: np.ndarray) -> bool:
    """Is the dark extreme of `level` further from the border's median than the light one?"""
    paper = float(np.median(level[ring]))
    return paper - float(level.min()) > float(level.max()) - paper


def _trend(gray: np.ndarray, where: np.ndarray, terms: int) -> np.ndarray:
    """The lighting: a quadratic surface fitted to the majority of the pixels `where` (a mask),
    whichever side of it the ink lies on. (H, W) -> (H, W).

    Light that falls off across the page is a slope, vignetting a bowl. The fit trims
    pixels far from it on either side, so ink there, a minority, does not pull it.
    """
    height, width = gray.shape
    rows, cols = np.nonzero(where)
    step = max(1, rows.size // RING_POINTS)  # a sample is plenty
    rows, cols = rows[::step], cols[::step]
    y, x = rows / height - 0.5, cols / width - 0.5
    design = np.stack([np.ones_like(y), y, x, y * y, x * x, x * y], axis=1)[:, :terms]
    values = gray[rows, cols].astype(np.float64)
    coef = np.zeros(design.shape[1])
    coef[0] = float(np.median(values))
    for _ in range(4):
        misfit = values - design @ coef
        spread = 1.4826 * float(np.median(np.abs(misfit - np.median(misfit))))
        keep = np.abs(misfit) <= max(2.5 * spread, 0.01)
        if keep.sum() < 2 * design.shape[1]:
            break
        coef = _least_squares(design[keep], values[keep])
    return _surface(np.pad(coef, (0, 6 - terms)), gray.shape)


def _quadratic(shape: tuple[int, int], sample: tuple[slice, slice]) -> np.ndarray:
    """Design matrix of a quadratic surface at the sampled pixels: (n, 6)."""
    y, x = _coordinates(shape, sample)
    y, x = np.broadcast_arrays(y, x)
    return np.stack([np.ones_like(y), y, x, y * y, x * x, x * y], axis=-1).reshape(-1, 6)


def _coordinates(shape: tuple[int, int], sample=(slice(None), slice(None))):
    """Row and column positions as fractions of the picture, centred: (h, 1) and (1, w)."""
    height, width = shape
    y = np.arange(height, dtype=np.float64)[sample[0]] / height - 0.5
    x = np.arange(width, dtype=np.float64)[sample[1]] / width - 0.5
    return y[:, None], x[None, :]


def _least_squares(design: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Coefficients of the least-squares fit, by the 6x6 normal equations: on a few thousand
    rows that is a hundred times faster than a full lstsq, and as exact here."""
    gram = design.T @ design
    return np.linalg.lstsq(gram, design.T @ values, rcond=None)[0]


def _surface(coef: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The quadratic surface `coef` over the whole picture: (H, W) float32."""
    y, x = _coordinates(shape)
    c = coef
    return (c[0] + c[1] * y + c[2] * x + c[3] * y * y + c[4] * x * x + c[5] * x * y).astype(
        np.float32
    )


def _paper_level(gray: np.ndarray, paper_side: np.ndarray) -> np.ndarray:
    """The paper's level under every pixel, for gray with light ink: (H, W) -> (H, W).

    Two models of the light: a plane fitted to the paper (a tight crop, evenly lit), and
    that plane corrected tile by tile (a photo: vignetting, a shadow). A tile's median is
    the paper's as long as ink covers less than half of it, and a 3x3 median of tiles keeps
    a small digit's few tiles out; but when the digit fills the picture, whole tiles are
    ink and their level would eat it. So the model that leaves the paper least far below it
    wins: eaten ink leaves the paper beside it far below, and an uncorrected shadow leaves
    the lit paper far below.
    """
    plane = _paper_plane(gray, paper_side)
    shaded = plane + _shade(gray - plane)
    if _fills_the_picture(gray - shaded):
        return plane  # a tight crop: no tile holds enough paper to measure the light on
    return min((plane, shaded), key=lambda level: _depth_below(gray - level))


def _fills_the_picture(residual: np.ndarray) -> bool:
    """Does the ink in `residual` (light ink) reach across most of the picture both ways?"""
    ink = np.clip(residual - INK_FLOOR * float(residual.max()), 0.0, None)
    if not ink.any():
        return False
    rows, cols = _span(ink.sum(axis=1)), _span(ink.sum(axis=0))
    height, width = ink.shape
    return (rows.stop - rows.start) >= CROP_SPAN * height and (
        cols.stop - cols.start
    ) >= CROP_SPAN * width


def _shade(misfit: np.ndarray) -> np.ndarray:
    """What the paper's light does beyond a plane: tile medians of `misfit` (H, W), smoothed
    by a 3x3 median of tiles and interpolated between tile centres -> (H, W)."""
    from scipy import ndimage

    height, width = misfit.shape
    sample = _sample(misfit.shape)
    values = misfit[sample]
    side = max(2, math.ceil(min(values.shape) / SHADE_TILES))
    rows, cols = math.ceil(values.shape[0] / side), math.ceil(values.shape[1] / side)
    padded = np.full((rows * side, cols * side), np.nan, dtype=np.float32)
    padded[: values.shape[0], : values.shape[1]] = values
    tiles = padded.reshape(rows, side, cols, side).transpose(0, 2, 1, 3).reshape(rows, cols, -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN tile cannot happen
        medians = np.nanmedian(tiles, axis=2).astype(np.float32)
    medians = ndimage.median_filter(medians, size=3, mode="nearest")
    return np.asarray(Image.fromarray(medians).resize((width, height), Image.Resampling.BILINEAR))


def _depth_below(residual: np.ndarray) -> float:
    """How far below a paper model the paper goes: the 95th percentile of the shortfall."""
    below = -residual[_sample(residual.shape)]
    below = below[below > 0.0]
    return float(np.percentile(below, 95)) if below.size else 0.0


def _blank() -> BlankImageError:
    return BlankImageError(msg("image.error.blank"))


def _otsu_split(gray: np.ndarray) -> float:
    """The gray level that best splits the picture into two classes, paper and ink (Otsu)."""
    low, high = float(gray.min()), float(gray.max())
    if high - low < 1e-6:
        return low
    hist, edges = np.histogram(gray, bins=256, range=(low, high))
    share = hist / max(hist.sum(), 1)
    centres = (edges[:-1] + edges[1:]) / 2
    dark_share = np.cumsum(share)[:-1]  # split after bin i: bins 0..i are the dark class
    dark_mass = np.cumsum(share * centres)[:-1]
    mean = float((share * centres).sum())
    # Only splits with pixels on both sides count. Rounding leaves 1 - dark_share a tiny
    # number, not 0, past the lightest pixel (and the numerator too): dividing one by the
    # other there once made the "best" split lie above all the paper.
    counts = np.cumsum(hist)[:-1]
    both = (counts > 0) & (counts < hist.sum())
    if not both.any():  # one gray level: any split will do, it is blank
        return float(gray.mean())
    between = np.where(
        both,
        (mean * dark_share - dark_mass) ** 2 / np.where(both, dark_share * (1.0 - dark_share), 1.0),
        -1.0,
    )
    return float(edges[1 + int(np.argmax(between))])


def _paper_is_light(gray: np.ndarray, ring: np.ndarray, split: float) -> bool:
    """Is the paper the light side of `split`? (Else the ink is light: chalk, a dark canvas.)

    The border is mostly paper even in a crop tight enough that the digit touches all four
    edges: on 4,000 tightly cropped MNIST test digits its majority side was wrong once. The
    whole picture's majority was wrong for 6% of them (a "0" or "8" fills half its box), so it
    is not used. Only a border split about evenly (a steep lighting gradient, a "1" filling its
    crop) falls back to the median's rule: the ink is the extreme further from the paper.
    """
    light = float((gray[ring] > split).mean())
    if abs(light - 0.5) >= RING_DECISIVE - 0.5:
        return light > 0.5
    paper = float(np.median(gray[ring]))
    return paper - float(gray.min()) > float(gray.max()) - paper


def _border_mask(shape: tuple[int, int]) -> np.ndarray:
    """The outer ring of the picture, where a photo shows paper, not the digit."""
    height, width = shape
    band = max(1, round(0.03 * min(height, width)))
    mask = np.ones(shape, dtype=bool)
    if height > 2 * band and width > 2 * band:
        mask[band:-band, band:-band] = False
    return mask


def _paper_plane(gray: np.ndarray, paper_side: np.ndarray) -> np.ndarray:
    """Paper level fitted as a quadratic surface to the paper: phone photos are lit unevenly
    (a slope across the page, vignetting towards the corners).

    (H, W) gray with light ink, and the (H, W) mask of the paper's side of the split ->
    (H, W) paper level. The fit starts flat at the commonest level among the darker half (by
    rank) of the paper's side, not at the border's median: in a tight crop the border holds
    ink, and in a blurred one the strokes' fringe lies on the paper's side of the split too,
    and can outnumber the paper when a "1" fills its crop. Each refit keeps the pixels within
    three noise widths of the plane, the noise being measured below it, where no ink or
    fringe is.
    """
    sample = _sample(gray.shape)
    design = _quadratic(gray.shape, sample)
    values = gray[sample].ravel().astype(np.float64)
    paper = values[paper_side[sample].ravel()]
    if paper.size < 0.5 * values.size:  # a minority is specks or a shadow, not the paper
        paper = values
    if paper.size:
        paper = paper[paper <= float(np.median(paper))]
    coef = np.zeros(design.shape[1])
    coef[0] = _mode(paper if paper.size else values)
    for _ in range(4):
        misfit = values - design @ coef
        keep = np.abs(misfit) <= max(3.0 * _sigma_below(misfit), 0.02)
        if keep.sum() < 2 * design.shape[1]:
            break
        coef = _least_squares(design[keep], values[keep])
    return _surface(coef, gray.shape)


def _mode(values: np.ndarray) -> float:
    """The commonest value, to 1/128: flat paper is one sharp peak, however much ink there is."""
    hist, edges = np.histogram(values, bins=128, range=(0.0, 1.0))
    peak = int(hist.argmax())
    return float(edges[peak] + edges[peak + 1]) / 2


def _sigma_below(misfit: np.ndarray) -> float:
    """Noise width from the values below the paper: the ink and its fringe are all above it."""
    below = -misfit[misfit < 0.0]
    return 1.4826 * float(np.median(below)) if below.size else 0.0


def _noise_sigma(residual: np.ndarray) -> float:
    """The paper's noise level, from what is left of it once the lighting is removed.

    Two estimates, the larger wins. Differences of neighbouring pixels see sensor and JPEG
    noise anywhere in the picture and are blind to the digit, whose edges are a small share of
    all pixel pairs. Pixels darker than the paper plane (the side away from the ink) also see
    coarse noise that neighbours share, such as an upscaled noisy scan; the ink and its blurred
    fringe are all on the other side.
    """
    pairs = np.concatenate([np.diff(residual, axis=0).ravel(), np.diff(residual, axis=1).ravel()])
    local = float(np.median(np.abs(pairs))) * 1.4826 / math.sqrt(2.0) if pairs.size else 0.0
    return max(local, _sigma_below(residual))


def _only_specks(mask: np.ndarray) -> bool:
    """True if the ink is salt-and-pepper: many specks and no stroke among them."""
    from scipy import ndimage  # here, not at the top: the app's first page never needs it

    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    if count < MANY_SPECKS:
        return False
    sizes = np.bincount(labels.ravel())[1:]
    return int(sizes.max()) < SPECK_SHARE * int(sizes.sum())


def _tiled(mask: np.ndarray) -> bool:
    """True if the ink is a pattern of tiles, such as a checkerboard: it spans the picture,
    and falls apart into many sizable pieces (edge-connected), none holding a fair share.

    A digit's strokes are a few edge-connected pieces; a pen-thin diagonal stroke falls apart
    too, but into pieces of a pixel or two, and salt-and-pepper is `_only_specks`' case.
    """
    from scipy import ndimage

    if not _fills_the_picture(mask.astype(np.float32)):
        return False
    if _evenly_spread(mask):
        return True
    labels, count = ndimage.label(mask)  # edge neighbours only: a checker's squares part
    if count < MANY_SPECKS:
        return False
    sizes = np.bincount(labels.ravel())[1:]
    return int(sizes.max()) < SPECK_SHARE * int(sizes.sum()) and float(np.median(sizes)) >= TILE


def _evenly_spread(mask: np.ndarray) -> bool:
    """Does every cell of a SPREAD_CELLS-square grid hold both ink and paper, each a fair
    share? A pattern does; a digit leaves some cell nearly empty (a corner, beside a "1")."""
    height, width = mask.shape
    if min(height, width) < 2 * SPREAD_CELLS:
        return False
    rows = np.linspace(0, height, SPREAD_CELLS + 1).astype(int)
    cols = np.linspace(0, width, SPREAD_CELLS + 1).astype(int)
    shares = np.add.reduceat(np.add.reduceat(mask.astype(np.float64), rows[:-1], axis=0),
                             cols[:-1], axis=1)  # fmt: skip
    shares = shares / np.outer(np.diff(rows), np.diff(cols))
    return bool(((shares >= SPREAD_SHARE) & (shares <= 1.0 - SPREAD_SHARE)).all())


def _robust_sigma(values: np.ndarray) -> float:
    median = np.median(values)
    return float(1.4826 * np.median(np.abs(values - median)))


def _digits_side_by_side(ink: np.ndarray) -> int:
    """How many digit-size ink blobs stand side by side in the (H, W) ink map: 1 for one digit.

    A blob is a connected stretch of ink (8-neighbours). Blobs whose columns overlap are one
    digit's parts (the two strokes of a broken "4", the bar of a "5" above its body), so
    blobs are merged along the x axis first. What is left counts as a digit if it is nearly
    as tall as the tallest and carries a fair share of the ink: specks, dust and a stray
    stroke piece do not.
    """
    from scipy import ndimage

    labels, count = ndimage.label(ink > 0, structure=np.ones((3, 3)))
    if count < 2:
        return 1
    boxes = ndimage.find_objects(labels)
    masses = ndimage.sum_labels(ink, labels, index=np.arange(1, count + 1))
    columns: list[list[float]] = []  # [left, right, top, bottom, mass], left to right
    for (rows, cols), mass in sorted(zip(boxes, masses, strict=True), key=lambda b: b[0][1].start):
        overlap = columns and cols.start < columns[-1][1] - BLOB_KERNING * (cols.stop - cols.start)
        if overlap:
            last = columns[-1]
            last[1], last[2] = max(last[1], cols.stop), min(last[2], rows.start)
            last[3], last[4] = max(last[3], rows.stop), last[4] + mass
        else:
            columns.append([cols.start, cols.stop, rows.start, rows.stop, mass])
    tallest = max(bottom - top for _, _, top, bottom, _ in columns)
    total = sum(column[4] for column in columns)
    return sum(
        bottom - top >= BLOB_HEIGHT * tallest and mass >= BLOB_MASS * total
        for _, _, top, bottom, mass in columns
    )


def _crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """Crop to the digit's bounding box, ignoring specks that carry almost no ink."""
    rows = _span(ink.sum(axis=1))
    cols = _span(ink.sum(axis=0))
    return ink[rows, cols]


def _span(profile: np.ndarray) -> slice:
    cumulative = np.cumsum(profile) / profile.sum()
    first = int(np.searchsorted(cumulative, MASS_TRIM, side="right"))
    last = int(np.searchsorted(cumulative, 1.0 - MASS_TRIM, side="left"))
    last = min(max(last, first), profile.size - 1)
    return slice(first, last + 1)


def _fit_box(crop: np.ndarray) -> np.ndarray:
    """Resize so the longer side is 20 px, aspect ratio kept; thicken pen-thin strokes."""
    height, width = crop.shape
    scale = DIGIT_BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    stroke = _stroke_width(crop >= 0.5) * scale
    if stroke < THIN_STROKE and min(size) > 1:
        # Widen with a max filter at 4x the target size, where a few pixels are enough.
        fine = _resize(crop, (4 * size[0], 4 * size[1]))
        fine = fine / max(float(fine.max()), 1e-6)
        radius = math.ceil(2.0 * (MNIST_STROKE - stroke))  # at 4x: (target - now) * 4 / 2
        fine = np.asarray(Image.fromarray(fine).filter(ImageFilter.MaxFilter(2 * radius + 1)))
        crop = fine
    digit = np.clip(_resize(crop, size), 0.0, 1.0)
    if digit.max() <= 0.0:
        raise _blank()
    # Averaging a thin stroke into few pixels dims it; MNIST strokes peak at 1.
    return digit / digit.max()


def _resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    # LANCZOS is antialiased when shrinking (its kernel widens with the scale) and stays sharp
    # when a tiny picture is enlarged; its slight overshoot is clipped by the caller.
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.LANCZOS))


def _stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width in pixels: area over length, the length being half the perimeter."""
    area = int(mask.sum())
    if area == 0:
        return 0.0
    padded = np.pad(mask, 1)
    perimeter = np.count_nonzero(padded[1:] != padded[:-1]) + np.count_nonzero(
        padded[:, 1:] != padded[:, :-1]
    )
    return 2.0 * area / perimeter


def _centred(digit: np.ndarray) -> np.ndarray:
    """Paste into 28x28 with the centre of mass at (14, 14), never pushing ink off the edge."""
    height, width = digit.shape
    mass = float(digit.sum())
    rows, cols = np.indices(digit.shape)
    top = round(MNIST_CENTRE - float((rows * digit).sum()) / mass)
    left = round(MNIST_CENTRE - float((cols * digit).sum()) / mass)
    top = min(max(top, 0), MNIST_SIDE - height)
    left = min(max(left, 0), MNIST_SIDE - width)
    out = np.zeros((MNIST_SIDE, MNIST_SIDE), dtype=np.float32)
    out[top : top + height, left : left + width] = digit
    return out


def from_canvas(rgba: np.ndarray) -> np.ndarray:
    """A drawing pad's picture, (H, W, 4) uint8 RGBA -> (28, 28) via to_mnist.

    Works for light strokes on an opaque dark background and for any strokes on a
    transparent background (the alpha channel then tells ink from background).
    """
    return from_canvas_report(rgba).image


def from_canvas_report(rgba: np.ndarray) -> Prepared:
    """Like from_canvas, plus notes for the user: (H, W, 4) -> Prepared((28, 28), notes)."""
    array = np.asarray(rgba)
    if array.ndim != 3 or array.shape[2] not in (3, 4) or array.size == 0:
        raise ImageError(msg("image.error.canvas_shape", shape=str(array.shape)))
    if array.dtype != np.uint8:
        array = np.clip(np.nan_to_num(array.astype(np.float64)), 0, 255).astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(array))  # (H, W, 4) uint8 -> mode RGBA
    try:
        what, advice = msg("image.note.drawing"), msg("image.note.draw_one")
        return to_mnist_report(to_grayscale_array(image), what=what, advice=advice)
    except BlankImageError as error:
        raise BlankImageError(msg("image.error.canvas_blank")) from error


def data_url_pixels(url: str) -> np.ndarray:
    """A drawing pad's picture ("data:image/png;base64,...") -> (H, W, 4) uint8 RGBA."""
    import base64
    import binascii

    head, _, payload = str(url).partition(",")
    if not head.startswith("data:image/") or ";base64" not in head:
        raise ImageError(msg("image.error.drawing_not_picture"))
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ImageError(msg("image.error.drawing_damaged")) from error
    return np.asarray(load_image(data).convert("RGBA"))


def preprocess_upload(data: bytes) -> np.ndarray:
    """Bytes of an uploaded picture -> (28, 28) float32 in [0, 1], ready for the encoder."""
    return preprocess_upload_report(data).image


def preprocess_upload_report(data: bytes) -> Prepared:
    """Bytes of an uploaded picture -> Prepared((28, 28) float32 image, notes for the user).

    The notes are warnings that do not stop the picture being used, such as two digits side
    by side. Errors (unreadable, too large, blank) raise ImageError as preprocess_upload does.
    """
    return to_mnist_report(to_grayscale_array(load_image(data)))
