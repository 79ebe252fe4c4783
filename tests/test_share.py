"""Links that reproduce a view (parsed from anything a person may paste) and the CSV export."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from vae import share
from vae.share import LinkView, latent_csv, link_query, parse_link

MODELS = ["mnist-vae-2d.pt", "mnist-ae-2d.pt"]


def test_full_view_round_trips_through_the_query():
    view = LinkView("mnist-vae-2d.pt", (0.5, -1.25), 42, (1.0, 2.0), (-3.5, 0.0), "spherical")
    query = link_query(view)
    assert query == {
        "model": "mnist-vae-2d.pt",
        "x": "0.5",
        "y": "-1.25",
        "i": "42",
        "a": "1,2",
        "b": "-3.5,0",
        "path": "spherical",
    }
    assert set(query) <= set(share.KEYS)
    assert parse_link(query, MODELS) == (view, [])


def test_plane_morph_frames_slider_and_zoom_round_trip():
    view = LinkView(
        "mnist-vae-8d.pt", plane="tsne", a=(1.0, 2.0), frames=12, t=0.25,
        zoom=(-12.5, 30.0, -4.125, 8.0),
    )  # fmt: skip
    query = link_query(view)
    assert query == {
        "model": "mnist-vae-8d.pt",
        "plane": "tsne",
        "a": "1,2",
        "frames": "12",
        "t": "0.25",
        "zoom": "-12.5,30,-4.125,8",
    }
    assert set(query) <= set(share.KEYS)
    assert parse_link(query, ["mnist-vae-8d.pt"]) == (view, [])


@pytest.mark.parametrize("plane", ["pca", "tsne", "umap"])
def test_every_plane_is_read(plane):
    assert parse_link({"plane": plane}, MODELS) == (LinkView(plane=plane), [])


@pytest.mark.parametrize("frames", ["3", "9", "16", " 12 "])
def test_frames_in_the_inputs_range_are_read(frames):
    assert parse_link({"frames": frames}, MODELS)[0].frames == int(frames)


@pytest.mark.parametrize("t", ["0", "1", "0.5", ".125", "1.0"])
def test_t_from_0_to_1_is_read(t):
    assert parse_link({"t": t}, MODELS)[0].t == float(t)


def test_the_colour_blind_palette_round_trips_and_the_default_stays_out():
    query = link_query(LinkView("mnist-vae-2d.pt", palette="cb"))
    assert query == {"model": "mnist-vae-2d.pt", "palette": "cb"}
    assert parse_link(query, MODELS) == (LinkView("mnist-vae-2d.pt", palette="cb"), [])
    assert "palette" not in link_query(LinkView("mnist-vae-2d.pt"))
    view, notices = parse_link({"palette": "rainbow"}, MODELS)
    assert view.palette is None and notices == ["palette “rainbow” is not one of cb"]


def test_t_is_written_to_the_sliders_step():
    assert link_query(LinkView(t=0.123456))["t"] == "0.123"
    assert link_query(LinkView(t=1.0))["t"] == "1"


def test_bad_new_values_are_named_precisely_and_do_not_spoil_the_rest():
    params = {"model": "mnist-vae-2d.pt", "plane": "isomap", "frames": "40", "t": "2",
              "zoom": "3,1,0,1", "a": "1,2"}  # fmt: skip
    view, notices = parse_link(params, MODELS)
    assert view == LinkView("mnist-vae-2d.pt", a=(1.0, 2.0))
    assert notices == [
        "plane “isomap” is not one of pca, tsne, umap",
        "frames = “40” is not a whole number 3–16",
        "t = “2” is not a number from 0 to 1",
        "zoom: “3,1,0,1” is an empty range (it needs x0 < x1 and y0 < y1)",
    ]


@pytest.mark.parametrize(
    "z", [(0.0, 0.0), (-0.0, 1e-7), (1.2345678, -9876.54321), (3.14159265, -2.71828183)]
)
def test_coordinates_round_trip_to_five_decimals(z):
    view, notices = parse_link(link_query(LinkView(pin=z, a=z)), MODELS)
    assert notices == []
    np.testing.assert_allclose(view.pin, z, atol=5e-6)
    np.testing.assert_allclose(view.a, z, atol=5e-6)


def test_empty_query_is_the_default_view():
    assert parse_link({}, MODELS) == (LinkView(), [])
    assert link_query(LinkView()) == {}


def test_unknown_keys_are_left_to_others():
    view, notices = parse_link({"proj": "pca", "utm_source": "chat", "x": "1", "y": "2"}, MODELS)
    assert view == LinkView(pin=(1.0, 2.0)) and notices == []


def test_list_values_use_the_last_one():
    view, _ = parse_link({"x": ["9", "1"], "y": ["2"], "model": []}, MODELS)
    assert view.pin == (1.0, 2.0)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"model": "nope.pt"}, "model"),
        ({"model": "../../etc/passwd"}, "model"),
        ({"model": "mnist-vae-2d.pt" * 10}, "model"),
        ({"x": "abc", "y": "1"}, "pin"),
        ({"x": "nan", "y": "1"}, "pin"),
        ({"x": "NaN", "y": "1"}, "pin"),
        ({"x": "inf", "y": "1"}, "pin"),
        ({"x": "-Infinity", "y": "1"}, "pin"),
        ({"x": "1e999", "y": "1"}, "pin"),
        ({"x": "1e5", "y": "1"}, "pin"),
        ({"x": "1_000", "y": "1"}, "pin"),
        ({"x": "0x10", "y": "1"}, "pin"),
        ({"x": "", "y": "1"}, "pin"),
        ({"x": "1"}, "pin"),
        ({"y": "1"}, "pin"),
        ({"x": "1" * 500, "y": "1"}, "pin"),
        ({"i": "3"}, "index"),
        ({"x": "1", "y": "1", "i": "-3"}, "index"),
        ({"x": "1", "y": "1", "i": "3.5"}, "index"),
        ({"x": "1", "y": "1", "i": "99999999999"}, "index"),
        ({"a": "1"}, "a"),
        ({"a": "1,2,3"}, "a"),
        ({"a": "1,nan"}, "a"),
        ({"b": ","}, "b"),
        ({"b": "<script>,1"}, "b"),
        ({"path": "wiggly"}, "path"),
        ({"plane": "PCA"}, "plane"),
        ({"plane": "isomap"}, "plane"),
        ({"plane": ""}, "plane"),
        ({"frames": "2"}, "frames"),
        ({"frames": "17"}, "frames"),
        ({"frames": "12.5"}, "frames"),
        ({"frames": "-12"}, "frames"),
        ({"frames": "twelve"}, "frames"),
        ({"t": "1.01"}, "t"),
        ({"t": "-0.2"}, "t"),
        ({"t": "nan"}, "t"),
        ({"t": "half"}, "t"),
        ({"zoom": "1,2,3"}, "zoom"),
        ({"zoom": "1,2,3,4,5"}, "zoom"),
        ({"zoom": "2,1,3,4"}, "zoom"),  # x0 > x1
        ({"zoom": "1,2,4,4"}, "zoom"),  # empty in y
        ({"zoom": "1,2,inf,4"}, "zoom"),
        ({"zoom": "a,b,c,d"}, "zoom"),
        ({"zoom": "-1e9,1,2,3"}, "zoom"),
        ({"palette": "rainbow"}, "palette"),
        ({"palette": "CB"}, "palette"),
        ({"palette": ""}, "palette"),
    ],
)
def test_garbage_is_dropped_with_a_notice(params, field):
    view, notices = parse_link(params, MODELS)
    assert getattr(view, field) is None
    assert len(notices) == 1 and 0 < len(notices[0]) < 120, notices


def test_one_bad_value_does_not_spoil_the_rest():
    params = {"model": "mnist-ae-2d.pt", "x": "0.5", "y": "zzz", "a": "1,2", "path": "linear"}
    view, notices = parse_link(params, MODELS)
    assert view == LinkView("mnist-ae-2d.pt", None, None, (1.0, 2.0), None, "linear")
    assert len(notices) == 1 and "clicked point" in notices[0]


def test_notices_never_echo_markup_or_huge_text():
    _, notices = parse_link({"model": "<img src=x onerror=alert(1)>" + "A" * 40}, MODELS)
    assert "<" not in notices[0] and ">" not in notices[0]
    _, notices = parse_link({"model": "[link](javascript:alert(1))"}, MODELS)
    assert "(" not in notices[0] and "[" not in notices[0]


def test_format_number_is_short_and_never_negative_zero():
    assert share.format_number(-0.0) == "0"
    assert share.format_number(-0.000001) == "0"
    assert share.format_number(2.0) == "2"
    assert share.format_number(-1.234567) == "-1.23457"


def encoded(n=50, d=2, seed=0):
    rng = np.random.default_rng(seed)
    mu = rng.normal(0, 3, (n, d)).astype(np.float32)
    logvar = rng.normal(-3, 1, (n, d)).astype(np.float32)
    return mu, logvar, rng.integers(0, 10, n)


def test_csv_has_header_rows_and_reads_back_exactly():
    mu, logvar, labels = encoded(200, 3)
    classes = [str(c) for c in range(10)]
    text = latent_csv(mu, logvar, labels, classes).decode()
    lines = text.splitlines()
    assert lines[0] == "index,label,class,mu_1,mu_2,mu_3,sigma_1,sigma_2,sigma_3"
    assert len(lines) == 201
    table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1)
    np.testing.assert_array_equal(table[:, 0], np.arange(200))
    np.testing.assert_array_equal(table[:, 1], labels)
    np.testing.assert_array_equal(table[:, 3:6].astype(np.float32), mu)
    np.testing.assert_array_equal(table[:, 6:].astype(np.float32), np.exp(0.5 * logvar))


def test_csv_quotes_class_names_and_has_no_sigma_for_an_autoencoder():
    mu, _, labels = encoded(20)
    classes = ["T-shirt/top", "Trouser, long"] + [f"c{k}" for k in range(8)]
    rows = list(csv.reader(io.StringIO(latent_csv(mu, None, labels, classes).decode())))
    assert rows[0] == ["index", "label", "class", "mu_1", "mu_2"]
    assert all(len(r) == 5 for r in rows)
    assert [r[2] for r in rows[1:]] == [classes[k] for k in labels]


def test_csv_rejects_mismatched_arrays():
    mu, logvar, labels = encoded(10)
    with pytest.raises(ValueError):
        latent_csv(mu, logvar, labels[:5], list("0123456789"))
    with pytest.raises(ValueError):
        latent_csv(mu, logvar[:, :1], labels, list("0123456789"))


def test_csv_of_the_shipped_model_is_its_encoded_test_set():
    from vae import latent
    from vae.checkpoint import load_checkpoint
    from vae.data import load_splits

    ckpt = load_checkpoint(share_root() / "checkpoints" / "mnist-vae-2d.pt")
    splits = load_splits("mnist")
    enc = latent.encode_images(ckpt.model, splits.test.float_images())
    labels = splits.test.labels.numpy()
    data = latent_csv(enc.mu, enc.logvar, labels, splits.classes)
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == ["index", "label", "class", "mu_1", "mu_2", "sigma_1", "sigma_2"]
    assert len(rows) == 10_001
    table = np.array([[float(v) for v in r[3:]] for r in rows[1:]], dtype=np.float32)
    np.testing.assert_array_equal(table[:, :2], enc.mu)
    np.testing.assert_array_equal(table[:, 2:], np.exp(0.5 * enc.logvar))
    assert [int(r[1]) for r in rows[1:]] == labels.tolist()
    assert all(math.isfinite(v) for v in table.ravel())


def share_root():
    from pathlib import Path

    return Path(__file__).resolve().parents[1]
