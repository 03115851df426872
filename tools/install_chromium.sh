#!/usr/bin/env bash
# Install Debian's Chromium for the browser test (tests/test_app_browser.py), where that is possible.
# Playwright drives it through executable_path, so Playwright's own browser download is never needed.
# Never fails: where Chromium cannot be installed, it says why, and the browser test is skipped with that reason.
set -uo pipefail
for name in "${CASESTUDY_CHROMIUM:-}" chromium chromium-browser; do
    if [ -n "$name" ] && command -v "$name" >/dev/null 2>&1; then
        exit 0
    fi
done
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_chromium: no apt-get here; install Chromium yourself (or set CASESTUDY_CHROMIUM) or the browser test is skipped"
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "install_chromium: installing Chromium needs root: run 'sudo apt-get install chromium' or the browser test is skipped"
    exit 0
fi
echo "install_chromium: installing Debian's chromium package for the browser test"
if ! { "${as_root[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq chromium >/dev/null; }; then
    echo "install_chromium: apt-get could not install chromium: the browser test will be skipped"
fi
exit 0
