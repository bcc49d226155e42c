#!/usr/bin/env bash
# Runs a command with a window manager (openbox) on the current X display, so that window state
# changes (maximize, minimize) are carried out as on a desktop: Xvfb alone has no window manager,
# and GTK then leaves those requests unanswered. Sets TRANSOM_TEST_WM=1 for the tests that need
# one. Usage: xvfb-run -a scripts/with-window-manager.sh COMMAND [ARGS...]
set -euo pipefail
command -v openbox >/dev/null || { echo "with-window-manager: openbox is missing (scripts/setup-debian.sh openbox)" >&2; exit 1; }
[ -n "${DISPLAY:-}" ] || { echo "with-window-manager: no DISPLAY (run under xvfb-run)" >&2; exit 1; }
openbox --sm-disable >/dev/null 2>&1 &
wm=$!
trap 'kill "$wm" 2>/dev/null || true' EXIT
# Wait until it has taken the screen (it sets _NET_SUPPORTING_WM_CHECK on the root window).
for _ in $(seq 50); do
  if xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q "window id"; then break; fi
  sleep 0.1
done
TRANSOM_TEST_WM=1 "$@"
