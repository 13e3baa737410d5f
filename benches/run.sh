#!/usr/bin/env bash
# Speed of `cmsconform run` on this machine, side by side with oha against the same mock.
#
#   benches/run.sh            # release build, mock on a free loopback port, three measurements
#   CASES=2000 REQUESTS=20000 ROUNDS=5 CONCURRENCY=4 benches/run.sh
#   HARNESS_BIN=/tmp/old/cmsconform benches/run.sh   # another build's harness, this mock
#
# 1. The default run (all boundary cases, 256 property cases, the hand-written cases) against
#    `cmsconform mock`, timed by /usr/bin/time -v: wall time and peak RSS (goal <= 64 MB).
# 2. The harness's request rate: a run with CASES property cases (mostly small requests, some up
#    to maxItems), requests sent / wall time, process start and case generation included.
# 3. oha's rate against the same mock with the seed example request, signed with auth-v2 by a
#    python3 implementation of CONTRACT-NOTES section 3 (the mock accepts 15 minutes of skew).
#    Harness and oha take turns, ROUNDS times, so both see the same machine; medians are kept.
# Goal (issue 25): harness rate >= 0.8 x oha's after start-up. Nothing here is a test: it prints figures.
set -euo pipefail
cd "$(dirname "$0")/.."

CASES="${CASES:-2000}"
REQUESTS="${REQUESTS:-20000}"
ROUNDS="${ROUNDS:-5}"
CONCURRENCY="${CONCURRENCY:-4}"
AK=cmsconform-ak
SK=cmsconform-local-sk
API_PATH=/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids
BODY='{"ccId":1,"vdn":170,"agentIds":[1031,1099]}'

cargo build --release --quiet
BIN="$PWD/target/release/cmsconform"
# HARNESS_BIN=/path/to/another/cmsconform measures another build's harness against this
# build's mock (before/after comparisons).
HARNESS="${HARNESS_BIN:-$BIN}"
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
  # "cases: N passed, F failed, ..." (pretty and short consoles) or libtest's
  # "test result: ok. N passed; F failed; ..." (terse).
  summary=$(grep -E '^(cases: |test result: [a-zA-Z]+\. )[0-9]+ passed[,;] [0-9]+ failed' "$WORK/$label.out" | tail -1 || true)
  sent=$(echo "$summary" | sed -E 's/^(cases: |test result: [a-zA-Z]+\. )//' | awk -F'[ ,;]+' '{print $1 + $3}')
  sent=${sent:-0}
  echo "$label: ${wall}s wall, ${rss} MB peak RSS, $sent requests ($summary)"
  # CPU seconds (user + system): the harness is bound by its one thread, so on a noisy
  # machine its CPU time per request moves less than its rate does.
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s + 0}' "$WORK/$label.time")
  echo "$sent $wall $cpu" >"$WORK/$label.figures"
}

echo "== cmsconform run (default suite) against cmsconform mock at $TARGET, $ROUNDS times"
: >"$WORK/defaults"
for _ in $(seq "$ROUNDS"); do
  measure default "$HARNESS" run --target "$TARGET" --no-report --no-progress --seed 1
  awk -F': ' '/Maximum resident set size/ {print $2/1024}' "$WORK/default.time" >>"$WORK/defaults"
done
python3 - "$WORK/defaults" <<'PY'
import statistics, sys
rss = sorted(float(line) for line in open(sys.argv[1]))
print(f"default run peak RSS: median {statistics.median(rss):.1f} MB, "
      f"range {rss[0]:.1f}-{rss[-1]:.1f} MB over {len(rss)} runs (goal <= 64 MB)")
PY

echo "== harness on a varied load: $CASES property cases, -j $CONCURRENCY"
measure varied "$HARNESS" run --target "$TARGET" --no-report --no-progress --seed 1 \
  --cases "$CASES" -j "$CONCURRENCY"
read -r SENT WALL _ <"$WORK/varied.figures"
echo "harness (varied requests, up to 6000 IDs each): $(python3 -c "print(f'{$SENT / $WALL:.0f}')") requests/s"

echo "== the seed request: $REQUESTS copies as hand cases, harness and oha in turn, $ROUNDS rounds, -j/-c $CONCURRENCY"
mkdir -p "$WORK/same/hand"
python3 - "$WORK/same/hand" "$REQUESTS" "$BODY" <<'PY'
import json, sys
out, count, body = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
for i in range(count):
    case = {"id": f"hand::seed_{i:05}", "title": "the seed request", "clause": "seed:example",
            "request": {"body": body}, "expect": "accepted"}
    json.dump(case, open(f"{out}/seed_{i:05}.json", "w"))
PY

sign() { # prints a fresh auth-v2 Authorization value for the seed request
  python3 - "$AK" "$SK" "127.0.0.1:$PORT" "$API_PATH" "$BODY" <<'PY'
import hashlib, hmac, sys, time, urllib.parse
ak, sk, host, path, body = sys.argv[1:]
norm = lambda s: urllib.parse.quote(s, safe="-._~")
ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
prefix = f"auth-v2/{ak}/{ts}/host"
key = hmac.new(sk.encode(), prefix.encode(), hashlib.sha256).hexdigest()
canonical = "\n".join(["POST", path, "host", f"host:{norm(host)}", norm(body)])
print(f"{prefix}/" + hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest())
PY
}
AUTH=$(sign)
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

: >"$WORK/rounds"
for round in $(seq "$ROUNDS"); do
  measure same "$HARNESS" --cases-dir "$WORK/same" run --target "$TARGET" --no-report --no-progress \
    --no-relations --cases 0 -j "$CONCURRENCY" --format terse hand::seed_
  read -r SENT WALL CPU <"$WORK/same.figures"
  # The same process with a filter matching none of the cases: start-up, contract, case loading.
  measure startup "$HARNESS" --cases-dir "$WORK/same" run --target "$TARGET" --no-report \
    --no-progress --no-relations --cases 0 -j "$CONCURRENCY" --format terse hand::no_such_case_
  read -r _ START START_CPU <"$WORK/startup.figures"
  AUTH=$(sign)
  oha -n "$REQUESTS" -c "$CONCURRENCY" --no-tui --output-format json -m POST \
    -H "Authorization: $AUTH" -H "Content-Type: application/json; charset=UTF-8" \
    -d "$BODY" "$TARGET$API_PATH" >"$WORK/oha.json"
  OHA=$(python3 -c "import json; d=json.load(open('$WORK/oha.json')); assert d['statusCodeDistribution'] == {'200': $REQUESTS}, d['statusCodeDistribution']; print(d['summary']['requestsPerSec'])")
  echo "$SENT $WALL $START $OHA $CPU $START_CPU" >>"$WORK/rounds"
  python3 -c "
s, w, st, o, c, sc = $SENT, $WALL, $START, $OHA, $CPU, $START_CPU
print(f'round $round: harness {s/w:.0f} req/s ({s/max(w-st,0.001):.0f} after {st}s start-up, '
      f'{1e6*(c-sc)/max(s,1):.0f} us CPU a request), oha {o:.0f} req/s')"
done
python3 - "$WORK/rounds" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
with_start = [s / w for s, w, st, o, c, sc in rows]
warm = [s / max(w - st, 0.001) for s, w, st, o, c, sc in rows]
oha = [o for s, w, st, o, c, sc in rows]
cpu = [1e6 * (c - sc) / max(s, 1) for s, w, st, o, c, sc in rows]
ratio = [h / o for h, o in zip(with_start, oha)]
ratio_warm = [h / o for h, o in zip(warm, oha)]
m = statistics.median
print(f"harness (the seed request, judged): median {m(with_start):.0f} req/s with start-up, "
      f"{m(warm):.0f} req/s after it")
print(f"harness CPU per request after start-up: median {m(cpu):.0f} us")
print(f"oha: median {m(oha):.0f} req/s")
print(f"harness / oha per round: {', '.join(f'{r:.2f}' for r in ratio)} with start-up; "
      f"{', '.join(f'{r:.2f}' for r in ratio_warm)} without")
print(f"harness / oha = {m(ratio):.2f} with start-up, {m(ratio_warm):.2f} without (median; goal >= 0.8 after start-up)")
PY
