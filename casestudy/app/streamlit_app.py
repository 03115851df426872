"""The web app's page: Streamlit widgets around :mod:`casestudy.app.logic`, nothing more.

Run it with ``casestudy app`` (or ``make app``), which starts Streamlit with safe
settings; options after ``--`` reach :func:`_options` here. Streamlit reruns this
script from the top on every interaction, so the expensive steps are kept:
methods in :func:`st.cache_resource` (a network is loaded once per server), the
decoded upload and the last result in the session's state (moving a crop slider
neither decodes nor denoises again). Introduced in ``09_deployment.ipynb``.
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd
import streamlit as st

from casestudy.app import logic

TYPES = ["png", "jpg", "jpeg", "tif", "tiff"]


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="casestudy app page")
    parser.add_argument("--weights")
    parser.add_argument("--params")
    parser.add_argument("--max-upload-mb", type=int, default=logic.MAX_UPLOAD_MB)
    parser.add_argument("--max-megapixels", type=float, default=logic.MAX_PIXELS / 1e6)
    return parser.parse_known_args(sys.argv[1:])[0]


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
    """The result for this photo and method: computed with a progress bar, or the session's last one."""
    key = (upload.digest, method.name, method.description, tile, overlap)
    kept = st.session_state.get("result")
    if kept is not None and kept["key"] == key:
        return kept
    st.session_state.pop("result", None)  # one result per session: free the last one first
    bar = st.progress(0.0, text=f"Denoising with {method.label}...")

    def on_progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Denoising with {method.label}: tile {done} of {total}")

    start = time.perf_counter()
    with st.spinner(f"{method.label} is working..."):
        pixels = logic.run_method(method, upload.pixels, tile=tile, overlap=overlap, on_progress=on_progress)
    seconds = time.perf_counter() - start
    bar.empty()
    download = logic.encode_download(pixels, upload, method.name)
    kept = st.session_state["result"] = {"key": key, "pixels": pixels, "seconds": seconds, "download": download}
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


def _views(noisy, denoised, label: str) -> None:
    left, right = st.columns(2)
    left.image(logic.preview(noisy), caption="Noisy (your upload)", width="stretch")
    right.image(logic.preview(denoised), caption=f"Denoised ({label})", width="stretch")
    height, width = noisy.shape[:2]
    st.subheader("Zoom: the same crop on both sides")
    size_col, x_col, y_col = st.columns(3)
    shorter = min(height, width)
    size = size_col.slider("Crop size (pixels)", 8, shorter, min(128, shorter)) if shorter > 8 else shorter
    across = x_col.slider("Crop centre, across (%)", 0, 100, 50)
    down = y_col.slider("Crop centre, down (%)", 0, 100, 50)
    window = logic.crop_window(height, width, down / 100, across / 100, size)
    left, right = st.columns(2)
    where = f"rows {window.top}-{window.bottom}, columns {window.left}-{window.right}"
    left.image(logic.zoom(noisy, window), caption=f"Noisy, {where}", width="stretch")
    right.image(logic.zoom(denoised, window), caption=f"Denoised, {where}", width="stretch")


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
        name = st.selectbox(
            "Method",
            names,
            index=names.index(logic.DEFAULT_METHOD),
            format_func=logic.method_labels().get,
            help="Per megapixel on a 2-core CPU: NLM about 15 seconds, BM3D about 3 minutes; "
            "the networks, tile by tile, 1 to 2 seconds.",
        )
        dial = logic.has_strength(name)
        strength = st.slider(
            "Strength", 0.5, 2.0, 1.0, 0.1, disabled=not dial,
            help="How hard to smooth: a factor on the noise level the filter assumes; below 1 keeps more grain "
            "and detail, above 1 smooths more." if dial else "The networks are blind: told nothing about the "
            "noise, they have no strength control.",
        )  # fmt: skip
        tile = st.select_slider("Tile size (networks)", [128, 256, 512, 1024], value=512)
        overlap = st.select_slider("Tile overlap", [0, 32, 64, 128], value=64)
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
        method = _method(name, options.weights, options.params)
        if dial:
            method = method.with_strength(strength)
        result = _denoised(upload, method, tile, overlap)
    except ValueError as error:  # missing or unsafe weights, bad tile settings: one clear line
        st.error(str(error))
        return
    st.success(f"{method.description}. Denoised in {result['seconds']:.1f} s.")
    download = result["download"]
    st.download_button(
        f"Download {download.file_name}", data=download.data, file_name=download.file_name, mime=download.mime
    )
    _views(upload.pixels, result["pixels"], method.label)
    if reference_file is not None:
        _scores(reference_file, upload, result["pixels"], options)


main()
