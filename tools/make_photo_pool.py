"""Rebuild the clean photo pool ``data/photos/`` from two Debian wallpaper packages and ``opencv-doc``.

Maintainer tool, run once; the pool it made is committed, so nobody needs to run it to
train. It documents exactly how the pool was made, so it can be checked or redone::

    mkdir /tmp/wallpapers && cd /tmp/wallpapers
    apt-get download plasma-workspace-wallpapers lomiri-wallpapers-20.04 opencv-doc
    for deb in *.deb; do dpkg-deb -x "$deb" root; done
    python tools/make_photo_pool.py /tmp/wallpapers/root --debs /tmp/wallpapers

Only the photographs listed in :data:`PHOTOS` are taken (the packages also hold
drawings, renders, abstract art, charts, boards of squares and synthetic test images;
each was looked at, and deliberately blurred or greyscale photos were left out too). Author and licence are read
from the packages' own records (``metadata.json`` / ``metadata.desktop`` of each
plasma wallpaper, ``/usr/share/doc/lomiri-wallpapers-20.04/copyright``) and must be in
:data:`REDISTRIBUTABLE`. The largest file of each wallpaper is downscaled to a long
side of at most 1280 px (Lanczos, in sRGB) and saved as a 4:4:4 JPEG of quality 95.
Photos chosen by :data:`CHECK_RULE` are held out for the unseen-noise check; the
photos named in :data:`VALIDATION` are held out as the networks' validation set (role
``val``): never trained on, and never part of the unseen-noise check.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageOps

Image.MAX_IMAGE_PIXELS = None  # the sources are trusted, large wallpapers

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "photos"
LONG_SIDE = 1280
JPEG_QUALITY = 95
N_CHECK = 3
CHECK_RULE = f"the {N_CHECK} wallpaper photos whose name has the smallest SHA-256 hex digest"

#: Licences that allow redistributing a modified (downscaled) copy with attribution.
REDISTRIBUTABLE = ("CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC-BY-4.0", "CC0-1.0", "LGPLv3", "Apache-2.0 AND BSD-3-Clause")

#: (name, package, location inside the package). Photographs only: renders (Volna, Altai,
#: Canopee, ...), drawings (SafeLanding, FlyingKonqui, Autumn) and abstract art were left out.
PHOTOS = (
    ("BytheWater", "plasma-workspace-wallpapers", "usr/share/wallpapers/BytheWater"),
    ("ColdRipple", "plasma-workspace-wallpapers", "usr/share/wallpapers/ColdRipple"),
    ("ColorfulCups", "plasma-workspace-wallpapers", "usr/share/wallpapers/ColorfulCups"),
    ("DarkestHour", "plasma-workspace-wallpapers", "usr/share/wallpapers/DarkestHour"),
    ("EveningGlow", "plasma-workspace-wallpapers", "usr/share/wallpapers/EveningGlow"),
    ("FallenLeaf", "plasma-workspace-wallpapers", "usr/share/wallpapers/FallenLeaf"),
    ("Grey", "plasma-workspace-wallpapers", "usr/share/wallpapers/Grey"),
    ("Kite", "plasma-workspace-wallpapers", "usr/share/wallpapers/Kite"),
    ("OneStandsOut", "plasma-workspace-wallpapers", "usr/share/wallpapers/OneStandsOut"),
    ("Path", "plasma-workspace-wallpapers", "usr/share/wallpapers/Path"),
    ("summer_1am", "plasma-workspace-wallpapers", "usr/share/wallpapers/summer_1am"),
    ("Infinite-Sea", "lomiri-wallpapers-20.04", "usr/share/backgrounds/Infinite-Sea_by_Aury88.jpg"),
    ("Kleiber", "lomiri-wallpapers-20.04", "usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg"),
)
LOMIRI_COPYRIGHT = "usr/share/doc/lomiri-wallpapers-20.04/copyright"
WALLPAPER_PACKAGES = ("plasma-workspace-wallpapers", "lomiri-wallpapers-20.04")

OPENCV = "opencv-doc"
OPENCV_EXAMPLES = "usr/share/doc/opencv-doc/examples"
OPENCV_COPYRIGHT = "usr/share/doc/opencv-doc/copyright"
#: Real colour photographs among OpenCV's examples (name, path under OPENCV_EXAMPLES). Left out: drawings
#: (HappyFish, pic*), renders (Blender_Suzanne*), synthetic images (smarties, blox, gradient), charts and boards
#: of squares (left*/right*, chessboard, sudoku), greyscale photos (basketball*, box*), photos blurred on
#: purpose (text_defocus, licenseplate_motion, orange), a painting (starry_night) and near-copies (leuvenB, aloeR,
#: rubberwhale2, dnn_superres/butterfly).
OPENCV_PHOTOS = (
    ("ocv-aero1", "data/aero1.jpg"), ("ocv-aloeL", "data/aloeL.jpg"), ("ocv-apple", "data/apple.jpg"),
    ("ocv-baboon", "data/baboon.jpg"), ("ocv-board", "data/board.jpg"), ("ocv-building", "data/building.jpg"),
    ("ocv-butterfly", "data/butterfly.jpg"), ("ocv-chicky", "data/chicky_512.png"),
    ("ocv-ela", "data/ela_original.jpg"), ("ocv-fruits", "data/fruits.jpg"), ("ocv-graf1", "data/graf1.png"),
    ("ocv-home", "data/home.jpg"), ("ocv-leuvenA", "data/leuvenA.jpg"), ("ocv-messi5", "data/messi5.jpg"),
    ("ocv-rubberwhale", "data/rubberwhale1.png"), ("ocv-squirrel", "data/squirrel_cls.jpg"),
    ("ocv-stuff", "data/stuff.jpg"), ("ocv-hfs000", "hfs/data/000.jpg"), ("ocv-hfs001", "hfs/data/001.jpg"),
    ("ocv-hfs002", "hfs/data/002.jpg"), ("ocv-reg-home", "reg/home.png"),
    ("ocv-plant", "alphamat/input_images/plant.jpg"), ("ocv-scenetext01", "text/scenetext01.jpg"),
    ("ocv-scenetext02", "text/scenetext02.jpg"), ("ocv-scenetext03", "text/scenetext03.jpg"),
    ("ocv-scenetext04", "text/scenetext04.jpg"), ("ocv-scenetext05", "text/scenetext05.jpg"),
    ("ocv-scenetext06", "text/scenetext06.jpg"),
)  # fmt: skip
#: Held out to choose checkpoints and recipes on (role ``val``): a building, a street, an animal in foliage,
#: a potted plant; different scenes from every training photo.
VALIDATION = ("ocv-building", "ocv-scenetext04", "ocv-squirrel", "ocv-plant")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def largest_image(folder: Path) -> Path:
    """The largest image of a plasma wallpaper: most pixels, then most bytes, then a file named after
    its own size (the smaller names are often copies of the largest file)."""
    candidates = [p for p in sorted((folder / "contents" / "images").iterdir()) if p.suffix in (".jpg", ".png")]
    if not candidates:
        raise SystemExit(f"{folder}: no images")

    def key(path: Path) -> tuple[int, int, bool, str]:
        with Image.open(path) as image:
            named = path.stem == f"{image.width}x{image.height}"
            return image.width * image.height, path.stat().st_size, named, path.name

    return max(candidates, key=key)


def plasma_credits(folder: Path) -> tuple[str, str, str]:
    """(title, author, licence) from a plasma wallpaper's metadata.json or metadata.desktop."""
    if (folder / "metadata.json").is_file():
        plugin = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))["KPlugin"]
        return plugin["Name"], plugin["Authors"][0]["Name"], plugin["License"]
    text = (folder / "metadata.desktop").read_text(encoding="utf-8")
    fields = dict(re.findall(r"^([\w-]+)=(.*)$", text, flags=re.MULTILINE))
    return fields["Name"], fields["X-KDE-PluginInfo-Author"], fields["X-KDE-PluginInfo-License"]


def lomiri_credits(root: Path, filename: str) -> tuple[str, str]:
    """(author, licence) of one lomiri background from the package's copyright file."""
    text = (root / LOMIRI_COPYRIGHT).read_text(encoding="utf-8")
    for stanza in text.split("\n\n"):
        fields = dict(re.findall(r"^([\w-]+):\s*(.*)$", stanza, flags=re.MULTILINE))
        if fields.get("Files", "").endswith("/" + filename):
            author = re.sub(r"^\d{4},\s*", "", fields["Copyright"]).strip()
            return author, fields["License"].strip()
    raise SystemExit(f"{LOMIRI_COPYRIGHT}: no stanza for {filename}")


def opencv_credits(root: Path) -> tuple[str, str]:
    """(author, licence) of OpenCV's examples: the ``Files: *`` stanza of the package's copyright file."""
    text = (root / OPENCV_COPYRIGHT).read_text(encoding="utf-8")
    for stanza in text.split("\n\n"):
        if re.search(r"^Files: \*$", stanza, flags=re.MULTILINE):
            licence = re.search(r"^License: (.*)$", stanza, flags=re.MULTILINE)
            if licence:
                return "OpenCV contributors (Intel, Willow Garage, OpenCV Foundation and others)", licence.group(1).strip()
    raise SystemExit(f"{OPENCV_COPYRIGHT}: no 'Files: *' stanza")


def package_version(debs: Path | None, package: str) -> str:
    if debs is None:
        return ""
    found = sorted(debs.glob(f"{package}_*.deb"))
    if not found:
        return ""
    return subprocess.run(["dpkg-deb", "-f", str(found[0]), "Version"], capture_output=True, text=True).stdout.strip()


def downscale(source: Path, target: Path) -> tuple[tuple[int, int], tuple[int, int]]:
    """Save ``source`` as an sRGB 8-bit JPEG with long side <= LONG_SIDE; return (original, new) (w, h)."""
    with Image.open(source) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        original = image.size
        scale = LONG_SIDE / max(original)
        if scale < 1:
            size = (round(original[0] * scale), round(original[1] * scale))
            image = image.resize(size, Image.Resampling.LANCZOS)
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(target, "JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True)
        return original, image.size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="folder the two .deb files were extracted into (dpkg-deb -x)")
    parser.add_argument("--debs", type=Path, help="folder holding the .deb files (records their versions)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    check = set(sorted((name for name, _, _ in PHOTOS), key=lambda n: hashlib.sha256(n.encode()).hexdigest())[:N_CHECK])
    entries = []
    sources = [*PHOTOS, *((name, OPENCV, f"{OPENCV_EXAMPLES}/{path}") for name, path in OPENCV_PHOTOS)]
    for name, package, location in sources:
        source = args.root / location
        if package == OPENCV:
            title = name.removeprefix("ocv-")
            author, licence = opencv_credits(args.root)
        elif package == "plasma-workspace-wallpapers":
            title, author, licence = plasma_credits(source)
            source = largest_image(source)
        else:
            title = name.replace("-", " ")
            author, licence = lomiri_credits(args.root, source.name)
        if licence not in REDISTRIBUTABLE:
            print(f"skipping {name}: licence {licence!r} is not in {REDISTRIBUTABLE}", file=sys.stderr)
            continue
        target = args.out / f"{name}.jpg"
        original, size = downscale(source, target)
        entries.append({
            "name": name,
            "file": target.name,
            "sha256": sha256(target),
            "role": "check" if name in check else "val" if name in VALIDATION else "train",
            "title": title,
            "author": author,
            "licence": licence,
            "source_package": package,
            "source_version": package_version(args.debs, package),
            "source_path": "/" + str(source.relative_to(args.root)),
            "source_sha256": sha256(source),
            "original_size": list(original),
            "size": list(size),
        })  # fmt: skip
    record = {
        "format": "casestudy-photo-pool",
        "format_version": 1,
        "validation": list(VALIDATION),
        "long_side": LONG_SIDE,
        "jpeg_quality": JPEG_QUALITY,
        "check_rule": CHECK_RULE,
        "photos": entries,
    }
    (args.out / "photos.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    total = sum((args.out / e["file"]).stat().st_size for e in entries)
    print(f"{len(entries)} photos, {total / 1e6:.2f} MB in {args.out}")
    print("| photo | role | author | licence | source package | source file | original size |")
    print("|---|---|---|---|---|---|---|")
    for e in entries:
        w, h = e["original_size"]
        print(f"| `{e['file']}` | {e['role']} | {e['author']} | {e['licence']} | `{e['source_package']}` "
              f"{e['source_version']} | `{e['source_path']}` | {w}x{h} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
