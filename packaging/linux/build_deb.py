"""Build dist/dsdesk_VERSION_ARCH.deb from the PyInstaller bundle (dist/dsdesk) with dpkg-deb.

    .venv/bin/python packaging/linux/build_deb.py [--bundle dist/dsdesk] [--out dist]

Layout: the bundle under /opt/dsdesk, /usr/bin/dsdesk → /opt/dsdesk/dsdesk, the desktop entry,
icons in the hicolor theme (PNG at each rendered size and the SVG), the AppStream metainfo and
/usr/share/doc/dsdesk/copyright. No maintainer scripts: dpkg's triggers refresh the icon cache
and the desktop database. Depends lists the packages that hold the system libraries the bundle
links to but does not carry (found with readelf, ldconfig and dpkg -S; a library this machine
lacks is named by Debian's library package naming and checked with apt-cache).
Needs dpkg-deb and readelf (binutils); run packaging/render_icons.py first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the version, from its one place (dsdesk/__init__.py)
from dsdesk import __version__  # noqa: E402

HERE = Path(__file__).resolve().parent
APP_ID = "io.github.dsdesk"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
MAINTAINER = os.environ.get("DEB_MAINTAINER", "dsdesk maintainers <maintainers@dsdesk.invalid>")
# Sonames whose package does not follow the naming rule below.
SONAME_PACKAGES = {"libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0"}
GLIBC_PARTS = {
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libutil.so.1",
}


def run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def elf_files(tree: Path) -> list[Path]:
    return [p for p in tree.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p)]


def needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def glibc_floor(files: list[Path]) -> str:
    best = (2, 17)
    for path in files:
        out = subprocess.run(["readelf", "-V", "-W", str(path)], capture_output=True, text=True)
        for major, minor in re.findall(r"GLIBC_(\d+)\.(\d+)", out.stdout):
            best = max(best, (int(major), int(minor)))
    return f"{best[0]}.{best[1]}"


def ldconfig_paths() -> dict[str, str]:
    paths: dict[str, str] = {}
    for line in run("/sbin/ldconfig", "-p").splitlines()[1:]:
        name, _, path = line.strip().partition(" => ")
        soname = name.split(" (", 1)[0].strip()
        paths.setdefault(soname, path.strip())
    return paths


def owner(path: str) -> str | None:
    real = os.path.realpath(path)
    for candidate in dict.fromkeys((path, real, "/usr" + path, "/usr" + real)):
        res = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if res.returncode == 0:
            return res.stdout.split(":", 1)[0].strip()
    return None


def by_naming_rule(soname: str) -> str | None:
    """Debian policy 8.1: libfoo.so.N is packaged as libfooN (libfoo-N when foo ends in a digit)."""
    m = re.fullmatch(r"(.+)\.so\.(\d+)(?:\..*)?", soname)
    if not m:
        return None
    name, num = m.group(1).lower().replace("_", "-"), m.group(2)
    pkg = f"{name}-{num}" if name[-1].isdigit() else f"{name}{num}"
    shown = subprocess.run(["apt-cache", "show", "--no-all-versions", pkg], capture_output=True)
    return pkg if shown.returncode == 0 and shown.stdout else None


def depends(bundle: Path) -> str:
    files = elf_files(bundle)
    carried = {p.name for p in bundle.rglob("*")}
    wanted = sorted({n for f in files for n in needed(f)} - carried)
    paths = ldconfig_paths()
    packages, unresolved = {f"libc6 (>= {glibc_floor(files)})"}, []
    for soname in wanted:
        if soname in GLIBC_PARTS:
            continue
        pkg = SONAME_PACKAGES.get(soname)
        if pkg is None and soname in paths:
            pkg = owner(paths[soname])
        if pkg is None:
            pkg = by_naming_rule(soname)
        if pkg is None:
            unresolved.append(soname)
        else:
            packages.add(pkg)
    if unresolved:
        raise SystemExit(f"build_deb: no package found for {', '.join(unresolved)}")
    return ", ".join(sorted(packages))


def dir_size_kib(tree: Path) -> int:
    total = sum(p.lstat().st_size for p in tree.rglob("*") if not p.is_dir())
    return (total + 1023) // 1024


def release_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return when.date().isoformat()


def stage(bundle: Path, icons: Path, root: Path, ver: str) -> None:
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(bundle, root / "opt" / "dsdesk", symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "dsdesk").symlink_to("/opt/dsdesk/dsdesk")
    share = root / "usr" / "share"
    apps = share / "applications"
    apps.mkdir(parents=True)
    shutil.copy2(HERE / "dsdesk.desktop", apps / "dsdesk.desktop")
    meta = share / "metainfo"
    meta.mkdir(parents=True)
    text = (HERE / f"{APP_ID}.metainfo.xml.in").read_text(encoding="utf-8")
    text = text.replace("@VERSION@", ver).replace("@DATE@", release_date())
    (meta / f"{APP_ID}.metainfo.xml").write_text(text, encoding="utf-8")
    hicolor = share / "icons" / "hicolor"
    for size in ICON_SIZES:
        dest = hicolor / f"{size}x{size}" / "apps"
        dest.mkdir(parents=True)
        shutil.copy2(icons / f"dsdesk-{size}.png", dest / "dsdesk.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / "icons" / "dsdesk.svg", hicolor / "scalable/apps/dsdesk.svg")
    doc = share / "doc" / "dsdesk"
    doc.mkdir(parents=True)
    shutil.copy2(HERE / "copyright", doc / "copyright")
    for path in [root, *root.rglob("*")]:  # dpkg-deb wants sane modes whatever the umask was
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bundle", type=Path, default=ROOT / "dist" / "dsdesk")
    ap.add_argument("--icons", type=Path, default=ROOT / "build" / "icons")
    ap.add_argument("--out", type=Path, default=ROOT / "dist")
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "deb")
    args = ap.parse_args()
    if not (args.bundle / "dsdesk").is_file():
        raise SystemExit(f"build_deb: no bundle at {args.bundle} (run pyinstaller first)")
    ver = __version__
    arch = run("dpkg", "--print-architecture").strip()
    root = args.work / f"dsdesk_{ver}_{arch}"
    stage(args.bundle, args.icons, root, ver)
    control = root / "DEBIAN" / "control"
    control.parent.mkdir(mode=0o755)
    control.write_text(
        "\n".join(
            [
                "Package: dsdesk",
                f"Version: {ver}",
                f"Architecture: {arch}",
                f"Maintainer: {MAINTAINER}",
                f"Installed-Size: {dir_size_kib(root)}",
                f"Depends: {depends(args.bundle)}",
                "Suggests: gnome-keyring",  # a Secret Service provider for the API key
                "Section: devel",
                "Priority: optional",
                "Description: desktop coding assistant for DeepSeek V4",
                " dsdesk is a native desktop coding assistant built around DeepSeek V4: its",
                " 1M-token context window, Thinking mode and prompt cache. It streams answers",
                " with highlighted code, counts exact V4 tokens per file, shows each answer's",
                " cost and applies proposed edits with review and undo.",
                " .",
                " This package carries its own Python and Qt under /opt/dsdesk.",
                "",
            ]
        ),
        encoding="utf-8",
    )
    control.chmod(0o644)
    args.out.mkdir(parents=True, exist_ok=True)
    deb = args.out / f"dsdesk_{ver}_{arch}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(deb)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"build_deb: {deb.relative_to(ROOT) if deb.is_relative_to(ROOT) else deb}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
