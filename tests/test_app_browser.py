"""The web app end to end in a real browser: `casestudy app` served, driven by headless Chromium through Playwright.

Debian's ``chromium`` package is driven through ``executable_path`` (Playwright's
own browser download is not needed). The test is skipped, with the reason, only
where Playwright or a Chromium binary is not installed; ``make test`` installs both
where it can. ``CASESTUDY_CHROMIUM`` names another Chromium binary.
"""

from __future__ import annotations

import contextlib
import io as _bytes_io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from casestudy import io
from casestudy.app import logic

ROOT = Path(__file__).resolve().parents[1]
CAMERA = {"Make": "Apple", "Model": "iPhone 7", "ISOSpeedRatings": 800, "ExposureTime": 1 / 60}
#: Seconds to wait for the server to answer, and for the page to show a result.
START_TIMEOUT = 90
PAGE_TIMEOUT = 60_000


def _chromium() -> str | None:
    candidates = [os.environ.get("CASESTUDY_CHROMIUM"), "chromium", "chromium-browser", "/usr/bin/chromium"]
    for candidate in filter(None, candidates):
        found = shutil.which(candidate)
        if found:
            return found
    return None


sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
pytest.importorskip("streamlit", reason="Streamlit is not installed")
CHROMIUM = _chromium()
if CHROMIUM is None:
    pytest.skip(
        "no Chromium binary (apt-get install chromium, or set CASESTUDY_CHROMIUM); `make test` installs it as root",
        allow_module_level=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``casestudy app`` on a free port, in its own process group; its URL once it answers (its log is printed)."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("app") / "server.log"
    log = open(log_path, "wb")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-m", "casestudy.cli", "app", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the app exited early:\n{log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the app did not answer on {url} within {START_TIMEOUT} s")
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the CLI and the Streamlit server it started
        try:
            process.wait(timeout=10)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # a server still finishing a script run
            process.wait()
            log.close()
            print(f"--- the app's log ({log_path}):\n{log_path.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT)
        sync_api.expect.set_options(timeout=PAGE_TIMEOUT)
        page.goto(server)
        yield page
        context.close()
        browser.close()


def _photo(path: Path, clean_path: Path) -> Path:
    """A seeded noisy 72x104 JPEG with a camera's EXIF, and its clean reference as a PNG."""
    clean = np.full((72, 104, 3), 120, dtype=np.uint8)
    clean[:, 52:] = 190
    Image.fromarray(clean).save(clean_path)
    noise = np.random.default_rng(13).normal(0, 18, clean.shape)
    noisy = np.clip(clean + noise, 0, 255).astype(np.uint8)
    Image.fromarray(noisy).save(path, exif=io.make_exif(CAMERA), quality=95)
    return path


def _file_input(page, label: str):
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
    return uploader.locator('input[type="file"]')


def _swipe(page):
    """The before/after swipe's frame (its document is built by :mod:`casestudy.app.swipe`)."""
    return page.frame_locator('iframe[title^="Before/after swipe"]')


def _split(frame) -> tuple[float, str]:
    """The swipe's range value and the top (noisy) image's clip, as the browser has them."""
    value = float(frame.locator("#split").input_value())
    return value, frame.locator("img.before").evaluate("image => getComputedStyle(image).clipPath")


def _until_shown(act, expect_shown) -> None:
    """Runs ``act``, then ``expect_shown`` (a Playwright expectation that takes ``timeout``), at most three times.

    A click that lands while Streamlit is still redrawing the page after the previous change can be lost (the
    control is redrawn as it was), so it is made again; ``act`` makes it only while the page does not show it
    yet, and a change that never shows fails the test as before.
    """
    for _ in range(3):
        act()
        try:
            expect_shown(timeout=10_000)
            return
        except AssertionError:
            continue
    expect_shown()


def _choose(page, label: str) -> None:
    """Picks ``label`` in the method menu and waits until the menu shows it."""
    menu = page.locator('[data-testid="stSelectbox"]').filter(has_text="Method")
    shown = menu.get_by_role("combobox", name="Method")

    def pick() -> None:
        if shown.input_value() != label:
            menu.click()
            page.get_by_role("option", name=label).click()

    _until_shown(pick, lambda **timeout: sync_api.expect(shown).to_have_value(label, **timeout))


def _turn_on(container, role: str, label: str) -> None:
    """Clicks the ``role`` ("checkbox" or "radio") named ``label`` inside ``container`` until the page shows it on."""
    control = container.get_by_role(role, name=label)
    sync_api.expect(container.get_by_text(label)).to_be_visible()

    def click() -> None:
        if not control.is_checked():
            container.get_by_text(label).click()

    _until_shown(click, sync_api.expect(control).to_be_checked)


def test_a_photo_is_denoised_shown_and_downloaded_and_a_bad_file_is_refused(page, tmp_path: Path) -> None:
    sync_api.expect(page.get_by_text("Upload a noisy photo to begin.")).to_be_visible()

    # The menu opens on the method the committed quality table ranks best on unseen noise, and its help says so.
    default, why = logic.default_method()
    labels = logic.method_labels()
    menu = page.locator('[data-testid="stSelectbox"]').filter(has_text="Method")
    sync_api.expect(menu.get_by_role("combobox", name="Method")).to_have_value(labels[default])
    menu.get_by_role("button", name="Help for Method").hover()
    sync_api.expect(page.get_by_text(why.split(":")[0] + ":")).to_be_visible()
    # The tiles are settings for the curious: inside the sidebar's "Advanced" expander, each with its help.
    advanced = page.locator('[data-testid="stSidebar"] [data-testid="stExpander"]').filter(has_text="Advanced")
    tile = advanced.locator('[data-testid="stSlider"]').filter(has_text="Tile size (networks)")
    sync_api.expect(tile).to_be_hidden()
    advanced.get_by_text("Advanced").click()
    sync_api.expect(tile).to_be_visible()
    sync_api.expect(advanced.locator('[data-testid="stSlider"]').filter(has_text="Tile overlap")).to_be_visible()
    # The strength checks need a filter; the table decides which method comes first.
    name = default if logic.has_strength(default) else "nlm"
    if name != default:
        _choose(page, labels[name])

    _file_input(page, "Your photo").set_input_files(str(_photo(tmp_path / "street.jpg", tmp_path / "clean.png")))

    # The camera's EXIF is shown; the before/after swipe and the download appear.
    sync_api.expect(page.get_by_text("iPhone 7").first).to_be_visible()
    frame = _swipe(page)
    sync_api.expect(frame.locator(".label.after")).to_have_text(f"Denoised ({labels[name]})")
    sync_api.expect(frame.locator(".label.before")).to_have_text("Noisy")
    sync_api.expect(page.get_by_text("The whole photo, 104x72 pixels.")).to_be_visible()
    button = page.get_by_role("button", name=f"Download street-{name}.jpg")
    with page.expect_download() as info:
        button.click()
    downloaded = Path(info.value.path()).read_bytes()
    with Image.open(_bytes_io.BytesIO(downloaded)) as image:
        assert image.format == "JPEG" and image.size == (104, 72)
        assert image.getexif()[0x0110] == "iPhone 7"
        image.load()

    # The swipe starts at the middle; the keyboard moves the divider through the range input ...
    assert _split(frame) == (50.0, "inset(0px 50% 0px 0px)")
    split = frame.locator("#split")
    split.focus()
    split.press("Home")
    assert _split(frame) == (0.0, "inset(0px 100% 0px 0px)")  # all denoised
    for _ in range(10):
        split.press("ArrowRight")
    assert _split(frame) == (5.0, "inset(0px 95% 0px 0px)")
    # ... and the mouse drags it: pressed in the middle, let go at three quarters of the width.
    box = frame.locator("#swipe").bounding_box()
    middle = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, middle)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.75, middle, steps=5)
    page.mouse.up()
    value, clip = _split(frame)
    assert abs(value - 75) < 2 and clip.startswith("inset(0px 2")
    left = frame.locator(".divider").evaluate("divider => divider.style.left")
    assert abs(float(left.rstrip("%")) - value) < 1e-6

    # Zoomed in, the swipe shows the photo's own pixels, each drawn 4x4, unsmoothed.
    _turn_on(page.locator('[data-testid="stRadio"]').filter(has_text="Zoom"), "radio", "4x")
    sync_api.expect(page.get_by_text("each pixel drawn 4x4 display pixels")).to_be_visible()
    sync_api.expect(frame.locator("#swipe")).to_have_class("swipe native")
    assert frame.locator("#swipe").bounding_box()["width"] == 104 * 4

    # The clean reference gives PSNR and SSIM of the noisy and the denoised photo.
    _file_input(page, "Clean reference").set_input_files(str(tmp_path / "clean.png"))
    sync_api.expect(page.get_by_text("Against your clean reference")).to_be_visible()
    sync_api.expect(page.get_by_role("columnheader", name="PSNR (dB)")).to_be_visible()
    sync_api.expect(page.get_by_role("rowheader", name="denoised")).to_be_visible()

    # The strength dial scales the filter's noise level; the result and its description follow.
    dial = page.locator('[data-testid="stSlider"]').filter(has_text="Strength").get_by_role("slider")
    sync_api.expect(dial).to_be_enabled()
    dial.focus()
    for _ in range(5):
        dial.press("ArrowRight")
    sync_api.expect(page.get_by_text("strength 1.5")).to_be_visible()

    # A network, chosen in the menu, is loaded (in safe mode) and run tile by tile; it has no strength dial.
    _choose(page, "REDNet")
    sync_api.expect(frame.locator(".label.after")).to_have_text("Denoised (REDNet)")
    sync_api.expect(page.get_by_text("loaded in Keras safe mode")).to_be_visible()
    sync_api.expect(page.get_by_role("button", name="Download street-rednet.jpg")).to_be_visible()
    sync_api.expect(dial).to_be_disabled()
    page.locator('[data-testid="stSlider"]').filter(has_text="Strength").get_by_role("button", name="Help for Strength").hover()
    sync_api.expect(page.get_by_text("This network always runs blind")).to_be_visible()  # the note says why
    assert page.get_by_text("Tell it the noise").count() == 0  # a blind network cannot be told

    # A text file named like a photo is refused with the app's message, not a traceback.
    fake = tmp_path / "holiday.png"
    fake.write_text("this is not a photo")
    _file_input(page, "Your photo").set_input_files(str(fake))
    alert = page.get_by_text("holiday.png: not a readable image")
    sync_api.expect(alert).to_be_visible()
    assert page.get_by_text("Traceback").count() == 0


def test_nafnet_told_the_noise_gets_a_strength_dial_and_says_where_its_map_came_from(
    page, server: str, tmp_path: Path
) -> None:
    page.goto(server)  # a fresh session: the menu on its default, no photo
    _choose(page, logic.method_labels()["nafnet"])
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Strength")
    dial = slider.get_by_role("slider")
    told = page.locator('[data-testid="stRadio"]').filter(has_text="Tell it the noise")
    # Blind by default: the dial is off, and its help says how to switch it on.
    sync_api.expect(told.get_by_role("radio", name="No (blind)")).to_be_checked()
    sync_api.expect(dial).to_be_disabled()
    slider.get_by_role("button", name="Help for Strength").hover()
    sync_api.expect(page.get_by_text('set "Tell it the noise" to the photo')).to_be_visible()

    # Told the noise (the photo's EXIF: an iPhone 7 at ISO 800), the dial works and the page says where the map came from.
    _turn_on(told, "radio", "From the photo's EXIF, else its own estimate")
    sync_api.expect(dial).to_be_enabled()
    _file_input(page, "Your photo").set_input_files(str(_photo(tmp_path / "night.jpg", tmp_path / "clean.png")))
    sync_api.expect(_swipe(page).locator(".label.after")).to_have_text("Denoised (NAFNet)")
    sync_api.expect(page.get_by_text("noise map: auto").first).to_be_visible()
    note = page.get_by_text(re.compile(r"^Noise map: "))  # the caption (the description says "noise map: auto")
    sync_api.expect(note).to_be_visible()
    dial.focus()
    for _ in range(5):
        dial.press("ArrowRight")
    sync_api.expect(page.get_by_text("noise map: auto, strength 1.5")).to_be_visible()

    # Back to blind: the dial is off again (its position no longer counts) and the map note is gone.
    _turn_on(told, "radio", "No (blind)")
    sync_api.expect(page.get_by_text("blind (map withheld)")).to_be_visible()
    sync_api.expect(dial).to_be_disabled()
    sync_api.expect(note).to_have_count(0)

    # The self-ensemble is an advanced setting: ticked, the network runs on the photo's 8 rotations and mirror images.
    advanced = page.locator('[data-testid="stSidebar"] [data-testid="stExpander"]').filter(has_text="Advanced")
    advanced.get_by_text("Advanced").click()
    _turn_on(advanced, "checkbox", "Self-ensemble (networks)")
    sync_api.expect(page.get_by_text("a self-ensemble of 8 rotations and mirror images")).to_be_visible()
    assert page.get_by_text("Traceback").count() == 0
