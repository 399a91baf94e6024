#!/usr/bin/env bash
# macOS: dist/dsdesk.app and dist/dsdesk-VERSION.dmg (drag to Applications).
#   bash packaging/macos/build-dmg.sh
# Optional: CODESIGN_IDENTITY="Developer ID Application: …" signs the app (hardened runtime);
# NOTARY_PROFILE=name (from `xcrun notarytool store-credentials`) also notarises and staples.
# A bundle built on arm64 runs on Apple silicon only; build on each architecture you ship.
set -euo pipefail
cd "$(dirname "$0")/../.."

[ -x .venv/bin/python ] || python3.11 -m venv .venv
.venv/bin/python -m pip install --quiet -e '.[dist]'
.venv/bin/python packaging/render_icons.py
.venv/bin/python -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
  packaging/dsdesk.spec

VERSION=$(.venv/bin/python -c 'import dsdesk; print(dsdesk.__version__)')
APP=dist/dsdesk.app
# Smoke test: the bundled command line and the window, offscreen.
[ "$("$APP/Contents/MacOS/dsdesk" --version)" = "dsdesk $VERSION" ]
"$APP/Contents/MacOS/dsdesk" tokens README.md
QT_QPA_PLATFORM=offscreen DSDESK_HOME="$(mktemp -d)" "$APP/Contents/MacOS/dsdesk" --smoke-test

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$APP"
  codesign --verify --deep --strict "$APP"
fi

STAGE=build/dmg
rm -rf "$STAGE" && mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
DMG="dist/dsdesk-$VERSION.dmg"
hdiutil create -volname "dsdesk $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"

if [ -n "${CODESIGN_IDENTITY:-}" ] && [ -n "${NOTARY_PROFILE:-}" ]; then
  codesign --sign "$CODESIGN_IDENTITY" --timestamp "$DMG"
  xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
  xcrun stapler staple "$DMG"
fi
du -h "$DMG"
