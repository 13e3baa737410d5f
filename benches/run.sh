#!/usr/bin/env bash
# Speed of `cmsconform run` on this machine, side by side with oha against the same mock.
#
#   benches/run.sh            # release build, mock on a free loopback port, three measurements
#   CASES=2000 REQUESTS=4000 CONCURRENCY=4 benches/run.sh
#
# 1. The default run (all boundary cases, 256 property cases, the hand-written cases) against
#    `cmsconform mock`, timed by /usr/bin/time -v: wall time and peak RSS (goal <= 64 MB).
# 2. The harness's request rate: a run with CASES property cases (mostly small requests, some up
#    to maxItems), requests sent / wall time, process start and case generation included.
# 3. oha's rate against the same mock with the seed example request, signed with auth-v2 by a
#    python3 implementation of CONTRACT-NOTES section 3 (the mock accepts 15 minutes of skew).
# Goal: harness rate >= 0.5 x oha's. Nothing here is a test: it prints figures.
set -euo pipefail
cd "$(dirname "$0")/.."

CASES="${CASES:-2000}"
REQUESTS="${REQUESTS:-4000}"
CONCURRENCY="${CONCURRENCY:-4}"
AK=cmsconform-ak
SK=cmsconform-local-sk
API_PATH=/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids
BODY='{"ccId":1,"vdn":170,"agentIds":[1031,1099]}'

cargo build --release --quiet
BIN="$PWD/target/release/cmsconform"
command -v oha >/dev/null || cargo install oha --locked
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (GNU time)" >&2; exit 1; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TARGET="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
"$BIN" mock --listen "127.0.0.1:$PORT" --ak "$AK" --sk "$SK" >"$WORK/mock.log" 2>&1 &
MOCK_PID=$!
trap 'kill "$MOCK_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do
  (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.05
done

export CMSCONFORM_AK="$AK" CMSCONFORM_SK="$SK"
cd "$WORK"  # regressions and reports, if any, stay out of the repository

measure() { # label, then the command; prints wall seconds, peak RSS and requests sent
  local label=$1; shift
  /usr/bin/time -v "$@" >"$WORK/$label.out" 2>"$WORK/$label.time" || true
  local wall rss summary sent
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$WORK/$label.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$WORK/$label.time")
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$WORK/$label.out" | tail -1)
  sent=$(echo "$summary" | awk -F'[ ,]+' '{print $1 + $3}')
  sent=${sent:-0}
  echo "$label: ${wall}s wall, ${rss} MB peak RSS, $sent requests ($summary)"
  echo "$sent $wall" >"$WORK/$label.figures"
}

echo "== cmsconform run (default suite) against cmsconform mock at $TARGET"
measure default "$BIN" run --target "$TARGET" --no-report --no-progress --seed 1

echo "== harness on a varied load: $CASES property cases, -j $CONCURRENCY"
measure varied "$BIN" run --target "$TARGET" --no-report --no-progress --seed 1 \
  --cases "$CASES" -j "$CONCURRENCY"
read -r SENT WALL <"$WORK/varied.figures"
echo "harness (varied requests, up to 6000 IDs each): $(python3 -c "print(f'{$SENT / $WALL:.0f}')") requests/s"

echo "== harness on the seed request: $REQUESTS copies as hand cases, -j $CONCURRENCY"
mkdir -p "$WORK/same/hand"
python3 - "$WORK/same/hand" "$REQUESTS" "$BODY" <<'PY'
import json, sys
out, count, body = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
for i in range(count):
    case = {"id": f"hand::seed_{i:05}", "title": "the seed request", "clause": "seed:example",
            "request": {"body": body}, "expect": "accepted"}
    json.dump(case, open(f"{out}/seed_{i:05}.json", "w"))
PY
measure same "$BIN" --cases-dir "$WORK/same" run --target "$TARGET" --no-report --no-progress \
  --cases 0 -j "$CONCURRENCY" --format terse hand::seed_
read -r SENT WALL <"$WORK/same.figures"
# The same process with a filter matching none of the cases: start-up, contract, case loading.
measure startup "$BIN" --cases-dir "$WORK/same" run --target "$TARGET" --no-report --no-progress \
  --cases 0 -j "$CONCURRENCY" --format terse hand::no_such_case_
read -r _ START <"$WORK/startup.figures"
HARNESS_RATE=$(python3 -c "print(f'{$SENT / $WALL:.0f}')")
HARNESS_WARM=$(python3 -c "print(f'{$SENT / max($WALL - $START, 0.001):.0f}')")
echo "harness (the seed request, judged): $HARNESS_RATE requests/s, process start included"
echo "harness after start-up (${START}s subtracted, as oha's rate excludes its own): $HARNESS_WARM requests/s"

echo "== oha: $REQUESTS x the seed request, -c $CONCURRENCY"
AUTH=$(python3 - "$AK" "$SK" "127.0.0.1:$PORT" "$API_PATH" "$BODY" <<'PY'
import hashlib, hmac, sys, time, urllib.parse
ak, sk, host, path, body = sys.argv[1:]
norm = lambda s: urllib.parse.quote(s, safe="-._~")
ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
prefix = f"auth-v2/{ak}/{ts}/host"
key = hmac.new(sk.encode(), prefix.encode(), hashlib.sha256).hexdigest()
canonical = "\n".join(["POST", path, "host", f"host:{norm(host)}", norm(body)])
print(f"{prefix}/" + hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest())
PY
)
# Check the header is accepted before measuring (a 401 would measure the wrong thing).
STATUS=$(python3 - "$TARGET$API_PATH" "$AUTH" "$BODY" <<'PY'
import sys, urllib.request
url, auth, body = sys.argv[1:]
req = urllib.request.Request(url, data=body.encode(), method="POST", headers={
    "Authorization": auth, "Content-Type": "application/json; charset=UTF-8"})
try:
    print(urllib.request.urlopen(req, timeout=5).status)
except Exception as e:
    print(getattr(e, "code", e))
PY
)
[ "$STATUS" = 200 ] || { echo "the mock refused the signed request ($STATUS)" >&2; exit 1; }
oha -n "$REQUESTS" -c "$CONCURRENCY" --no-tui --output-format json -m POST \
  -H "Authorization: $AUTH" -H "Content-Type: application/json; charset=UTF-8" \
  -d "$BODY" "$TARGET$API_PATH" >"$WORK/oha.json"
OHA_RATE=$(python3 -c "import json; print(f\"{json.load(open('$WORK/oha.json'))['summary']['requestsPerSec']:.0f}\")")
echo "oha: $OHA_RATE requests/s"
python3 -c "print(f'harness / oha = {$HARNESS_RATE / $OHA_RATE:.2f} with start-up, {$HARNESS_WARM / $OHA_RATE:.2f} without (goal >= 0.5)')"
