#!/usr/bin/env bash
# System packages from Debian that the tests and PDFs need: chromium (browser tests) and
# Japanese fonts (PDFs). Installed only when missing; needs root (or sudo) and apt-get.
set -uo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "システムパッケージ ${need[*]} が必要ですが、root 権限がないためインストールできません。" >&2; exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get がないため ${need[*]} を自動インストールできません。手動でインストールしてください。" >&2; exit 1
fi
echo "Debian パッケージをインストールします: ${need[*]}"
$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
