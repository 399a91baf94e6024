"""`make dist`: the Linux artefacts in dist/ — the one-folder bundle and the .deb — and their sizes.

    .venv/bin/python packaging/build_linux.py

Steps: render the icons (packaging/render_icons.py), run PyInstaller on packaging/dsdesk.spec,
build the .deb (packaging/linux/build_deb.py). No AppImage: appimagetool and the AppImage
runtime are not in Debian's archive or on PyPI (the PyPI helpers download them from GitHub at
build time), so one cannot be built from the package registries (see README, "Packages").
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"


def step(title: str, cmd: list[str]) -> None:
    print(f"dist: {title}", flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def tree_size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n:.0f} B"
        n /= 1024
    raise AssertionError


def main() -> int:
    t0 = time.monotonic()
    py = sys.executable
    for old in DIST.glob("dsdesk_*.deb"):
        old.unlink()
    step("icons", [py, "packaging/render_icons.py"])
    step(
        "bundle (PyInstaller)",
        [
            py,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "ERROR",
            "--distpath",
            str(DIST),
            "--workpath",
            str(ROOT / "build" / "pyinstaller"),
            "packaging/dsdesk.spec",
        ],
    )
    t_bundle = time.monotonic() - t0
    step(".deb (dpkg-deb)", [py, "packaging/linux/build_deb.py"])
    elapsed = time.monotonic() - t0
    bundle = DIST / "dsdesk"
    files = sum(1 for p in bundle.rglob("*") if not p.is_dir())
    print()
    print(f"  {human(tree_size(bundle)):>10}  dist/dsdesk/  (one-folder bundle, {files} files)")
    for deb in sorted(DIST.glob("dsdesk_*.deb")):
        print(f"  {human(deb.stat().st_size):>10}  dist/{deb.name}")
    t_deb = elapsed - t_bundle
    print(f"\ndist: built in {elapsed:.0f} s (bundle {t_bundle:.0f} s, .deb {t_deb:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
