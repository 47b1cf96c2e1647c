#!/usr/bin/env bash
# Installs what the browser tests (tests/browser/) need on a Debian/Ubuntu machine: the Debian
# `chromium` package (driven by playwright-core through executablePath, so no browser download from
# a CDN) and `fonts-noto-cjk`, without which Chinese labels, names and addresses render as empty
# boxes in the screenshots. The tests' global setup runs it when a browser test is selected (so `npm test`
# needs nothing else); run it by hand on a dev machine without root to see what to install.
#
# Does nothing when both are there already. Needs root (or passwordless sudo) and apt-get; without
# them it says what to install and exits 1, and the browser tests then skip loudly, or fail in CI
# (VERITY_REQUIRE_BROWSER=1 / VERITY_REQUIRE_ALL=1; see tests/support/browser/use-browser.ts).
# VERITY_CHROMIUM_PATH names another binary (default /usr/bin/chromium), which is then not installed.
set -euo pipefail

chromium="${VERITY_CHROMIUM_PATH:-/usr/bin/chromium}"
packages=()
[[ -x "$chromium" ]] || { [[ "$chromium" == /usr/bin/chromium ]] && packages+=(chromium); }
# The font package is what matters, not any CJK font: the screenshots should look the same everywhere.
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed' || packages+=(fonts-noto-cjk)

if [[ ${#packages[@]} -eq 0 ]]; then
  echo "browser: $("$chromium" --version 2>/dev/null || echo "$chromium") and fonts-noto-cjk are installed"
  exit 0
fi
if [[ ! -x "$chromium" && "$chromium" != /usr/bin/chromium ]]; then
  echo "browser: VERITY_CHROMIUM_PATH=$chromium is not an executable" >&2
  exit 1
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "browser: need root to install ${packages[*]}: run  sudo apt-get update && sudo apt-get install -y ${packages[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "browser: no apt-get on this machine; install Chromium at $chromium (or set VERITY_CHROMIUM_PATH) and a CJK font (Noto CJK) by hand" >&2
  exit 1
fi

echo "browser: installing ${packages[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
# A fresh image has no package lists; an old one may list versions the mirror no longer has.
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
# fontconfig caches are rebuilt by the font package's trigger; say what Chromium will find.
command -v fc-list >/dev/null && echo "browser: CJK fonts: $(fc-list :lang=zh family | head -1)"
echo "browser: $("$chromium" --version 2>/dev/null)"
