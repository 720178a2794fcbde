#!/bin/sh
# Rimuove la registrazione di ponte-host e il programma. / Removes ponte-host's registration and the program.
#   ./uninstall.sh   |   sudo ./uninstall.sh --system
set -eu
if [ "${1:-}" = "--system" ]; then
  dest="/Library/Application Support/Ponte"
else
  dest="$HOME/Library/Application Support/Ponte"
fi
if [ -x "$dest/ponte-host" ]; then
  "$dest/ponte-host" uninstall "$@"
  rm -f "$dest/ponte-host"
  rmdir "$dest" 2>/dev/null || true
else
  echo "ponte-host non è installato in $dest / ponte-host is not installed in $dest" >&2
fi
