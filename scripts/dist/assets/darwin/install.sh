#!/bin/sh
# Installa ponte-host e lo registra con Chrome, Chromium, Edge, Brave e Firefox.
# Installs ponte-host and registers it with Chrome, Chromium, Edge, Brave and Firefox.
#   ./install.sh            per l'utente corrente / for the current user
#   sudo ./install.sh --system   per tutti gli utenti / for every user
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = "--system" ]; then
  dest="/Library/Application Support/Ponte"
else
  dest="$HOME/Library/Application Support/Ponte"
fi
mkdir -p "$dest"
cp "$here/ponte-host" "$dest/ponte-host"
chmod 755 "$dest/ponte-host"
# A downloaded file carries the quarantine attribute, and Gatekeeper would stop the browser from starting it.
xattr -d com.apple.quarantine "$dest/ponte-host" 2>/dev/null || true
exec "$dest/ponte-host" install "$@"
