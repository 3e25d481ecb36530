#!/usr/bin/env bash
# Browser test of svm's VNC web view: vnc_web_demo serves a known picture through VncServer with
# the noVNC web view, headless Chromium opens the URL the server prints, takes a screenshot, and
# vnc_web_demo checks the picture is in it. Fails (never skips) when chromium or noVNC is missing.
# Usage: browser_test.sh PATH/TO/vnc_web_demo
set -euo pipefail

demo=${1:?usage: browser_test.sh PATH/TO/vnc_web_demo}
fail() {
    echo "browser_test: FAIL: $*" >&2
    exit 1
}

chromium_bin=""
for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then
        chromium_bin=$(command -v "$c")
        break
    fi
done
[ -n "$chromium_bin" ] ||
    fail "chromium is not installed (run scripts/install-deps.sh, or apt-get install chromium)"
[ -f /usr/share/novnc/vnc.html ] ||
    fail "noVNC is not installed (run scripts/install-deps.sh, or apt-get install novnc)"

work=$(mktemp -d)
demo_pid=""
cleanup() {
    if [ -n "$demo_pid" ]; then kill "$demo_pid" 2>/dev/null || true; fi
    if [ -n "$demo_pid" ]; then wait "$demo_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# The demo serves until it is killed (cleanup), at most 5 minutes.
"$demo" serve "$work/url" 2> "$work/demo.log" &
demo_pid=$!
for _ in $(seq 100); do
    [ -s "$work/url" ] && break
    kill -0 "$demo_pid" 2>/dev/null || fail "vnc_web_demo exited: $(cat "$work/demo.log")"
    sleep 0.1
done
[ -s "$work/url" ] || fail "vnc_web_demo printed no URL: $(cat "$work/demo.log")"
url=$(head -n 1 "$work/url")
echo "browser_test: opening $url"

# --no-sandbox: Chromium's sandbox refuses to run as root and needs user namespaces that
# containers often lack; the page is svm's own test page. The virtual time budget lets noVNC
# load, connect its WebSocket and draw before the screenshot; a slow machine gets more tries.
for budget in 5000 10000 20000; do
    rm -f "$work/shot.png"
    timeout 90 "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --no-first-run --hide-scrollbars --window-size=1024,768 \
        --user-data-dir="$work/profile" --virtual-time-budget="$budget" \
        --screenshot="$work/shot.png" "$url" > "$work/chromium.log" 2>&1 || true
    if [ ! -s "$work/shot.png" ]; then
        echo "browser_test: chromium took no screenshot (budget $budget ms):" >&2
        grep -v -e ALSA -e dbus "$work/chromium.log" | tail -n 5 >&2 || true
        continue
    fi
    if "$demo" check "$work/shot.png"; then
        echo "browser_test: PASS"
        exit 0
    fi
done
echo "browser_test: server log:" >&2
tail -n 20 "$work/demo.log" >&2
fail "the screenshot does not show the VNC screen (see above)"
