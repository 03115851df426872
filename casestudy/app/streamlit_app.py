"""The web app's page: Streamlit widgets around :mod:`casestudy.app.logic`, nothing more.

Run it with ``casestudy app`` (or ``make app``), which starts Streamlit with safe
settings; options after ``--`` reach :func:`_options` here. Streamlit reruns this
script from the top on every interaction, so the expensive steps are kept:
methods in :func:`st.cache_resource` (a network is loaded once per server), the
decoded upload, the last result and its before/after swipe in the session's state
(changing the zoom neither decodes nor denoises again; dragging the swipe's divider
happens in the browser and does not rerun the script at all). Introduced in
``09_deployment.ipynb``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

import pandas as pd
import streamlit as st

from casestudy.app import logic, swipe

TYPES = ["png", "jpg", "jpeg", "tif", "tiff"]
#: The choices of "Tell it the noise" (for a network that can be, :func:`casestudy.app.logic.has_noise_map`).
TOLD = {False: "No (blind)", True: "From the photo's EXIF, else its own estimate"}


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="casestudy app page")
    parser.add_argument("--weights")
    parser.add_argument("--params")
    parser.add_argument("--max-upload-mb", type=int, default=logic.MAX_UPLOAD_MB)
    parser.add_argument("--max-megapixels", type=float, default=logic.MAX_PIXELS / 1e6)
    return parser.parse_known_args(sys.argv[1:])[0]


@st.cache_resource(show_spinner=False)
def _default_method() -> tuple[str, str]:
    """The method the menu opens on and why (:func:`casestudy.app.logic.default_method`), read once per server."""
    return logic.default_method()


@st.cache_resource(show_spinner="Loading the method (once per server)...")
def _method(name: str, weights: str | None, params: str | None) -> logic.Method:
    return logic.load_method(name, weights, params)


def _decoded(uploaded, options: argparse.Namespace, slot: str) -> logic.Upload:
    """The upload decoded once per file (kept in the session under ``slot``)."""
    kept = st.session_state.get(slot)
    if kept is None or kept[0] != uploaded.file_id:
        upload = logic.decode_upload(
            uploaded.getvalue(),
            uploaded.name,
            max_bytes=options.max_upload_mb * 2**20,
            max_pixels=int(options.max_megapixels * 1e6),
        )
        kept = st.session_state[slot] = (uploaded.file_id, upload)
    return kept[1]


def _denoised(upload: logic.Upload, method: logic.Method, tile: int, overlap: int) -> dict:
    """The result for this photo and method: computed with a progress bar, or the session's last one.

    The progress bar and spinner live in one placeholder that every run creates, so the elements after it
    keep their places from run to run; Streamlit then keeps them too (the swipe keeps where its divider is
    when the download button is pressed).
    """
    slot = st.empty()
    key = (upload.digest, method.name, method.description, tile, overlap)
    kept = st.session_state.get("result")
    if kept is not None and kept["key"] == key:
        return kept
    st.session_state.pop("result", None)  # one result per session: free the last one first
    with slot.container():
        bar = st.progress(0.0, text=f"Denoising with {method.label}...")

        def on_progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, text=f"Denoising with {method.label}: tile {done} of {total}")

        notes: list[str] = []
        if hasattr(method, "announce"):  # a network told the noise says where its map came from
            method = dataclasses.replace(method, announce=notes.append)
        start = time.perf_counter()
        height, width = upload.pixels.shape[:2]
        wait = logic.expected_wait(method.name, height * width / 1e6, getattr(method, "ensemble", False))
        with st.spinner(f"{method.label} is working: {wait} for this photo on a 2-core CPU..."):
            pixels = logic.run_method(method, upload.pixels, tile=tile, overlap=overlap, on_progress=on_progress)
        seconds = time.perf_counter() - start
    slot.empty()
    download = logic.encode_download(pixels, upload, method.name)
    kept = st.session_state["result"] = {"key": key, "pixels": pixels, "seconds": seconds, "download": download,
                                         "notes": notes}
    return kept


def _camera(upload: logic.Upload) -> None:
    summary = logic.exif_summary(upload.photo.exif)
    height, width = upload.pixels.shape[:2]
    facts = [f"**{upload.name}**", f"{width}x{height} ({width * height / 1e6:.1f} MP, {upload.image_format})"]
    facts += [f"**{key}** {value}" for key, value in summary.items()]
    st.markdown(" · ".join(facts))
    if not summary:
        st.caption("No camera EXIF in this file.")
    else:
        st.caption("This EXIF is written into the download.")


def _embed(page: str, height: int) -> None:
    """Show a self-contained HTML ``page`` (scripts allowed) in a frame ``height`` CSS pixels high.

    ``st.iframe`` where this Streamlit has it; ``streamlit.components.v1.html``, which it replaces, before that.
    """
    if hasattr(st, "iframe"):
        st.iframe(page, height=height, alt="Before/after swipe: the noisy photo left of the divider, denoised right")
    else:  # Streamlit before st.iframe
        import streamlit.components.v1 as components

        components.html(page, height=height)


def _views(noisy, denoised, label: str, key: tuple) -> None:
    """The before/after swipe over the photo, fitted or zoomed to its own pixels, built once per choice."""
    st.subheader("Before and after")
    zoom_col, where_col = st.columns([2, 1])
    zoom = zoom_col.radio(
        "Zoom", list(swipe.ZOOMS), horizontal=True,
        help="Fit: the whole photo, downscaled for display. 1x, 2x, 4x: a crop at the photo's own resolution, "
        "each pixel drawn 1, 2 or 4 display pixels wide, to judge fine detail and grain.",
    )  # fmt: skip
    where = where_col.selectbox(
        "Where (zoomed)", list(swipe.PLACES), disabled=zoom == "Fit", help="Which part of the photo the zoom shows."
    )
    wanted = (key, label, zoom, where if zoom != "Fit" else None)
    kept = st.session_state.get("swipe")
    if kept is None or kept[0] != wanted:
        kept = st.session_state["swipe"] = (wanted, swipe.swipe_view(noisy, denoised, label, zoom, where))
    view = kept[1]
    _embed(view.html, view.height)
    st.caption(f"{view.caption} Drag the divider, or move the slider under the photo (arrow keys work).")


def _scores(reference_file, upload: logic.Upload, denoised, options: argparse.Namespace) -> None:
    try:
        reference = _decoded(reference_file, options, "reference")
        table = logic.scores(reference.pixels, upload.pixels, denoised, reference.name)
    except logic.UploadError as error:
        st.error(str(error))
        return
    st.subheader("Against your clean reference")
    rows = {row: {"PSNR (dB)": f"{values['PSNR']:.2f}", "SSIM": f"{values['SSIM']:.4f}"} for row, values in table.items()}
    st.table(pd.DataFrame.from_dict(rows, orient="index"))


def main() -> None:
    """The page, top to bottom."""
    options = _options()
    st.set_page_config(page_title="Denoise your photo", layout="wide")
    st.title("Denoise your photo")
    st.caption(
        "Classical filters and the case study's networks, run on this machine: "
        "the photo goes nowhere else."
    )
    with st.sidebar:
        names = list(logic.method_labels())
        default, why = _default_method()
        name = st.selectbox(
            "Method",
            names,
            index=names.index(default),
            format_func=logic.method_labels().get,
            help=f"{why} {logic.speed_note()}",
        )
        told = False
        if logic.has_noise_map(name):  # a network that can be told the noise (NAFNet)
            told = st.radio(
                "Tell it the noise", list(TOLD), format_func=TOLD.get,
                help="Blind (the default): the network judges the noise from the photo alone. From the EXIF: it is "
                "also given a noise map (how noisy each part of the photo is) worked out from the camera's ISO in "
                "the photo's EXIF, or its own estimate where there is no ISO or the photo does not match it; it "
                "does about a tenth of a dB better at most on average (notebook 10), and the strength dial then scales "
                "that map.",
            )  # fmt: skip
        dial = logic.has_strength(name, told)
        if dial:
            dial_help = ("How hard to smooth: a factor on the noise level the method assumes (a filter's, or the map "
                         "a network told the noise is given); below 1 keeps more grain and detail, above 1 smooths more.")
        elif logic.has_noise_map(name):
            dial_help = ('The network runs blind, told nothing about the noise, so there is nothing to scale: set '
                         '"Tell it the noise" to the photo\'s EXIF to use this dial.')
        else:
            dial_help = "This network always runs blind, told nothing about the noise, so it has no strength control."
        strength = st.slider("Strength", 0.5, 2.0, 1.0, 0.1, disabled=not dial, help=dial_help)
        with st.expander("Advanced"):
            tile = st.select_slider(
                "Tile size (networks)", [128, 256, 512, 1024], value=logic.DEFAULT_TILE,
                help="The networks denoise the photo piece by piece: larger tiles need more memory, smaller "
                "ones take longer (more overlap to compute) and risk more seams.",
            )  # fmt: skip
            overlap = st.select_slider(
                "Tile overlap", [0, 32, 64, 128], value=logic.DEFAULT_OVERLAP,
                help="Pixels shared by neighbouring tiles and blended: more hides the seams between tiles, "
                "at the cost of speed.",
            )  # fmt: skip
            ensemble = st.checkbox(
                "Self-ensemble (networks)", value=False,
                help="Run the network on the photo's 8 rotations and mirror images and average them: a few tenths "
                "of a dB cleaner, 8 times slower.",
            )  # fmt: skip
        reference_file = st.file_uploader(
            "Clean reference (optional): PSNR and SSIM", type=TYPES, max_upload_size=options.max_upload_mb
        )
    uploaded = st.file_uploader(
        f"Your photo (PNG, JPEG or TIFF; at most {options.max_upload_mb} MB and {options.max_megapixels:g} MP)",
        type=TYPES,
        max_upload_size=options.max_upload_mb,
    )
    if uploaded is None:
        st.info("Upload a noisy photo to begin.")
        return
    try:
        upload = _decoded(uploaded, options, "upload")
    except logic.UploadError as error:
        st.error(str(error))
        return
    _camera(upload)
    try:
        method = logic.told_the_photo(_method(name, options.weights, options.params), upload.photo.exif)
        method = logic.set_up(method, told_noise=told, strength=strength if dial else 1.0,  # a disabled dial: 1
                              ensemble=ensemble)  # fmt: skip
        result = _denoised(upload, method, tile, overlap)
    except ValueError as error:  # missing or unsafe weights, bad tile settings: one clear line
        st.error(str(error))
        return
    st.success(f"{method.description}. Denoised in {result['seconds']:.1f} s.")
    for note in result["notes"]:  # a network told the noise: where its map came from
        st.caption(f"Noise map: {note}.")
    download = result["download"]
    st.download_button(
        f"Download {download.file_name}", data=download.data, file_name=download.file_name, mime=download.mime
    )
    _views(upload.pixels, result["pixels"], method.label, result["key"])
    if reference_file is not None:
        _scores(reference_file, upload, result["pixels"], options)


main()
