"""`make dist-check`: smoke-test the bundle in dist/dsdesk and check the .deb beside it.

    .venv/bin/python packaging/check_dist.py [--install]

1. the bundled `dsdesk --version` prints dsdesk/__init__.py's version;
2. the bundled `dsdesk tokens` counts a file (the tokenizer data was found inside the bundle);
3. the bundled `dsdesk devserver` runs in the background on a free loopback port and the bundled
   `dsdesk ask --thinking off hi` gets an answer from it;
4. the bundled GUI, offscreen, prints 'dsdesk: window shown at …' and exits 0;
5. the .deb holds /opt/dsdesk, /usr/bin/dsdesk, the desktop entry, the hicolor icons and the
   metainfo; desktop-file-validate and `appstreamcli validate --no-net` pass on them (skipped,
   with a note, where desktop-file-utils / appstream are not installed);
6. with --install (root only; it changes the system): `apt-get install ./dist/dsdesk_*.deb`,
   the installed `dsdesk --version`, `dsdesk tokens` and GUI smoke test, then
   `apt-get remove -y dsdesk` and nothing left under /opt/dsdesk.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUNDLED = DIST / "dsdesk" / "dsdesk"
FAILURES: list[str] = []

sys.path.insert(0, str(ROOT))  # the version, from its one place (dsdesk/__init__.py)
from dsdesk import __version__  # noqa: E402


def check(name: str, ok: bool, detail: str = "") -> None:
    print(f"  {'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""), flush=True)
    if not ok:
        FAILURES.append(name)


def run(cmd: list[str], env: dict[str, str] | None = None, timeout: float = 60):
    return subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


def apt_line(text: str, verb: str) -> str:
    """apt's line about dsdesk itself ('Setting up dsdesk (…)', 'Removing dsdesk (…)')."""
    hits = [ln.strip() for ln in text.splitlines() if ln.startswith(f"{verb} dsdesk ")]
    return hits[-1] if hits else last_line(text)


def last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[str], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def check_program(exe: str, label: str, env: dict[str, str], want_version: str) -> None:
    out = run([exe, "--version"], env)
    check(
        f"{label} --version",
        out.returncode == 0 and out.stdout.strip() == f"dsdesk {want_version}",
        out.stdout.strip() or out.stderr.strip(),
    )
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.py"
        sample.write_text("def greet(name):\n    return f'Hello, {name}!'\n", encoding="utf-8")
        out = run([exe, "tokens", str(sample)], env)
        check(
            f"{label} tokens (tokenizer data inside)",
            out.returncode == 0 and "total" in out.stdout,
            last_line(out.stdout) or last_line(out.stderr),
        )
    gui_env = {**env, "QT_QPA_PLATFORM": "offscreen"}
    out = run([exe, "--smoke-test"], gui_env)
    shown = [ln for ln in out.stdout.splitlines() if ln.startswith("dsdesk: window shown at ")]
    check(
        f"{label} GUI offscreen --smoke-test",
        out.returncode == 0 and bool(shown),
        (shown[0] if shown else last_line(out.stderr)) + f" (exit {out.returncode})",
    )


def check_ask(env: dict[str, str]) -> None:
    port = free_port()
    server = subprocess.Popen(
        [str(BUNDLED), "devserver", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        up = wait_for_port(port, server)
        check(f"bundled devserver on 127.0.0.1:{port}", up)
        if not up:
            return
        ask_env = {
            **env,
            "DEEPSEEK_BASE_URL": f"http://127.0.0.1:{port}",
            "DEEPSEEK_API_KEY": "sk-x",
        }
        out = run([str(BUNDLED), "ask", "--thinking", "off", "hi"], ask_env)
        answer = out.stdout.strip()
        first = answer.splitlines()[0] if answer else out.stderr.strip()[-300:]
        check(
            "bundled ask --thinking off hi",
            out.returncode == 0 and len(answer) > 0,
            f"exit {out.returncode}, {len(answer)} chars; first line: {first!r}",
        )
        if out.stderr.strip():
            print(f"       usage line: {last_line(out.stderr)}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def check_deb(want_version: str) -> Path | None:
    debs = sorted(DIST.glob(f"dsdesk_{want_version}_*.deb"))
    check("dist/dsdesk_*.deb exists", len(debs) == 1, ", ".join(d.name for d in debs) or "none")
    if len(debs) != 1:
        return None
    deb = debs[0]
    listing = run(["dpkg-deb", "-c", str(deb)]).stdout
    names = {
        line.split()[5].removeprefix(".") for line in listing.splitlines() if len(line.split()) >= 6
    }
    wanted = [
        "/opt/dsdesk/dsdesk",
        "/usr/bin/dsdesk",
        "/usr/share/applications/dsdesk.desktop",
        "/usr/share/metainfo/io.github.dsdesk.metainfo.xml",
        "/usr/share/icons/hicolor/scalable/apps/dsdesk.svg",
        *(
            f"/usr/share/icons/hicolor/{s}x{s}/apps/dsdesk.png"
            for s in (16, 32, 48, 64, 128, 256, 512)
        ),
    ]
    missing = [w for w in wanted if w not in names]
    check(
        ".deb contents",
        not missing,
        "missing " + ", ".join(missing) if missing else f"{len(names)} entries",
    )
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
        desktop = Path(tmp) / "usr/share/applications/dsdesk.desktop"
        meta = Path(tmp) / "usr/share/metainfo/io.github.dsdesk.metainfo.xml"
        if shutil.which("desktop-file-validate"):
            out = run(["desktop-file-validate", str(desktop)])
            check(
                "desktop-file-validate dsdesk.desktop",
                out.returncode == 0,
                (out.stdout + out.stderr).strip() or "no warnings",
            )
        else:
            print("  skip desktop-file-validate (apt-get install desktop-file-utils)")
        if shutil.which("appstreamcli"):
            out = run(["appstreamcli", "validate", "--no-net", str(meta)])
            check(
                "appstreamcli validate --no-net",
                out.returncode == 0,
                " / ".join(
                    ln.strip() for ln in (out.stdout + out.stderr).splitlines() if ln.strip()
                ),
            )
        else:
            print("  skip appstreamcli validate (apt-get install appstream)")
    return deb


def check_install(deb: Path, env: dict[str, str], want_version: str) -> None:
    if os.geteuid() != 0:
        check("--install needs root", False)
        return
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    out = run(["apt-get", "install", "-y", "--no-install-recommends", str(deb)], apt_env, 600)
    check(
        f"apt-get install ./dist/{deb.name}",
        out.returncode == 0,
        apt_line(out.stdout + out.stderr, "Setting up"),
    )
    if out.returncode != 0:
        return
    try:
        exe = shutil.which("dsdesk", path="/usr/bin") or "/usr/bin/dsdesk"
        check_program(exe, "installed /usr/bin/dsdesk", env, want_version)
    finally:
        out = run(["apt-get", "remove", "-y", "dsdesk"], apt_env, 600)
        ok = out.returncode == 0
        check("apt-get remove -y dsdesk", ok, apt_line(out.stdout + out.stderr, "Removing"))
        left = (
            [str(p) for p in Path("/opt/dsdesk").rglob("*")] if Path("/opt/dsdesk").exists() else []
        )
        check(
            "nothing left under /opt/dsdesk",
            not Path("/opt/dsdesk").exists(),
            f"{len(left)} paths left" if left else "gone",
        )
        check("/usr/bin/dsdesk removed", not os.path.lexists("/usr/bin/dsdesk"))
        for leftover in ("applications/dsdesk.desktop", "metainfo/io.github.dsdesk.metainfo.xml"):
            check(f"/usr/share/{leftover} removed", not Path("/usr/share", leftover).exists())


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--install", action="store_true", help="also install and remove the .deb (root)"
    )
    args = ap.parse_args()
    want = __version__
    if not BUNDLED.is_file():
        raise SystemExit(f"check_dist: no bundle at {BUNDLED}; run `make dist` first")
    with tempfile.TemporaryDirectory() as home:
        # A fresh settings/state folder: the checks never read or write the user's.
        env = {**os.environ, "DSDESK_HOME": home}
        env.pop("DEEPSEEK_API_KEY", None)
        env.pop("DEEPSEEK_BASE_URL", None)
        print("dist-check: bundle")
        check_program(str(BUNDLED), "bundled dsdesk", env, want)
        check_ask(env)
        print("dist-check: .deb")
        deb = check_deb(want)
        if args.install and deb is not None:
            print("dist-check: install / remove")
            check_install(deb, env, want)
    if FAILURES:
        print(f"dist-check: {len(FAILURES)} failed: {', '.join(FAILURES)}")
        return 1
    print("dist-check: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
