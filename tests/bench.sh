#!/usr/bin/env bash
# tests/bench.sh: what `make bench` does. Starts a throwaway PostgreSQL and
# the server on free ports, loads each endpoint with wrk (2 threads, 32
# connections, on the same two cores as the server) in interleaved rounds,
# and prints the median req/s, p50 and p99 of the rounds, with each
# endpoint's throughput as a share of the ceiling measured in the same run.
#
# The ceiling is /healthz: a constant handler in the same binary, through the
# same dispatcher (request id, CORS, ETag, log line), with no database work.
#
# BENCH_SECONDS (default 5) per round, BENCH_ROUNDS (default 3).
set -uo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-4}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-32}
tmp=$(mktemp -d /tmp/ik-bench.XXXXXX)
pg_dir=$tmp/pg
server_pid=

cleanup() {
  for pid in "$server_pid" "${nocache_pid:-}" "${nometrics_pid:-}" "${replica_pid:-}"; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  deploy/pg.sh stop "${replica_dir:-$tmp/none}" >/dev/null 2>&1
  [ -f "${replica_dir:-$tmp/none}/location" ] && rm -rf "$(cat "$replica_dir/location")"
  deploy/pg.sh stop "$pg_dir" >/dev/null 2>&1
  [ -f "$pg_dir/location" ] && rm -rf "$(cat "$pg_dir/location")"
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 12000))   # below the ephemeral range (32768-), so no client socket holds it
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
  done
  return 1
}

pg_port=$(free_port); http_port=$(free_port)
mkdir -p "$pg_dir"
DATABASE_URL=$(deploy/pg.sh start "$pg_dir" "$pg_port" 2>"$tmp/pg.log" | tail -n 1) || { echo "bench: PostgreSQL did not start:" >&2; cat "$tmp/pg.log" >&2; exit 1; }
export DATABASE_URL
# The limiter runs (its cost is part of every figure) but never refuses the load.
export RATE_LIMIT_BURST=100000000 RATE_LIMIT_PER_SECOND=100000000
build/insatskatalog-admin setup >/dev/null || exit 1
# The generated, fictitious example providers at bench size (2000 providers,
# 10000 offerings, every county): this database is thrown away afterwards.
examples_start=$(date +%s%N)
build/insatskatalog-admin load-examples bench >"$tmp/examples.log" 2>&1 || { echo "bench: load-examples failed:" >&2; cat "$tmp/examples.log" >&2; exit 1; }
echo "bench: $(tail -n 1 "$tmp/examples.log") (wall $(awk -v ns=$(($(date +%s%N) - examples_start)) 'BEGIN { printf "%.2f", ns / 1e9 }') s)"
BENCH_KEY=$(build/insatskatalog-admin key create bench admin | tail -n 1)
export BENCH_KEY
PORT=$http_port OPENAPI_PATH=openapi.yaml build/insatskatalog >"$tmp/server.log" 2>&1 &
server_pid=$!
# A second server with the document cache off: the cost of a read that goes to PostgreSQL.
nocache_port=$(free_port)
PORT=$nocache_port CACHE_MIB=0 OPENAPI_PATH=openapi.yaml build/insatskatalog >"$tmp/server-nocache.log" 2>&1 &
nocache_pid=$!
# /metrics collection off: what recording every request costs.
nometrics_port=$(free_port)
PORT=$nometrics_port METRICS=off OPENAPI_PATH=openapi.yaml build/insatskatalog >"$tmp/server-nometrics.log" 2>&1 &
nometrics_pid=$!
# A streaming replica (pg_basebackup) and a server reading from it, cache off
# like the "cache off" server, so the two compare a read through each.
replica_port=$(free_port); replica_dir=$tmp/replica; mkdir -p "$replica_dir"
REPLICA_URL=$(deploy/pg.sh replica "$replica_dir" "$pg_port" "$replica_port" 2>"$tmp/replica.log" | tail -n 1) || { echo "bench: the replica did not start:" >&2; cat "$tmp/replica.log" >&2; exit 1; }
replica_http_port=$(free_port)
PORT=$replica_http_port CACHE_MIB=0 DATABASE_READ_URL=$REPLICA_URL OPENAPI_PATH=openapi.yaml build/insatskatalog \
  >"$tmp/server-replica.log" 2>&1 &
replica_pid=$!
for port in "$http_port" "$nocache_port" "$nometrics_port" "$replica_http_port"; do
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break; sleep 0.1; done
done

base=http://127.0.0.1:$http_port
# "label|url|wrk options": the label is what the table shows.
targets=(
  "ceiling /healthz|$base/healthz|"
  "GET /v1/methods|$base/v1/methods|"
  "GET /v1/methods/fft|$base/v1/methods/fft|"
  "GET /v1/municipalities?county=03|$base/v1/municipalities?county=03|"
  "GET /v1/search?q=familj|$base/v1/search?q=familj|"
  "GET /v1/methods (metrics off)|http://127.0.0.1:$nometrics_port/v1/methods|"
  "GET /v1/methods (cache off)|http://127.0.0.1:$nocache_port/v1/methods|"
  "GET /v1/methods (cache off, via replica)|http://127.0.0.1:$replica_http_port/v1/methods|"
  "GET /v1/methods/fft/providers?county=03|$base/v1/methods/fft/providers?county=03|"
  "GET …/fft/providers?county=03 (cache off)|http://127.0.0.1:$nocache_port/v1/methods/fft/providers?county=03|"
  "GET /v1/municipalities/0381/agreements|$base/v1/municipalities/0381/agreements|"
  "GET …/0381/agreements (cache off)|http://127.0.0.1:$nocache_port/v1/municipalities/0381/agreements|"
  "GET /v1/agreements?county=03&status=aktiv|$base/v1/agreements?county=03&status=aktiv|"
  "GET …?county=03&status=aktiv (cache off)|http://127.0.0.1:$nocache_port/v1/agreements?county=03&status=aktiv|"
  "GET /v1/municipalities/0381/coverage|$base/v1/municipalities/0381/coverage|"
  "GET …/0381/coverage (cache off)|http://127.0.0.1:$nocache_port/v1/municipalities/0381/coverage|"
  "GET /v1/counties/01/coverage|$base/v1/counties/01/coverage|"
  "GET …/counties/01/coverage (cache off)|http://127.0.0.1:$nocache_port/v1/counties/01/coverage|"
  "PATCH /v1/methods/{slug} (2 conns)|$base|-c2 -s tests/bench_patch.lua"
)
[ -n "${BENCH_EXTRA_TARGETS:-}" ] && while read -r line; do [ -n "$line" ] && targets+=("$line"); done <<<"$BENCH_EXTRA_TARGETS"

# wrk prints latencies as 812.00us, 1.23ms or 1.02s; convert to ms.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

declare -A rps p50 p99
for target in "${targets[@]}"; do
  IFS='|' read -r label url options <<<"$target"
  [ -z "$options" ] && { curl -fsS -o /dev/null "$url" || { echo "bench: $url does not answer 200" >&2; exit 1; }; }
done
echo "bench: $rounds rounds of ${seconds}s per endpoint, wrk -t2 -c$connections unless noted, server and wrk on the same $(nproc) cores"
for round in $(seq 1 "$rounds"); do
  for target in "${targets[@]}"; do
    IFS='|' read -r label url options <<<"$target"
    # Warm: the previous target may have been the write loop, which empties the cache.
    [ -z "$options" ] && curl -fsS -o /dev/null "$url"
    # shellcheck disable=SC2086 # options are words for wrk
    out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency $options "$url" 2>&1)
    rps[$label]+="$(awk '/Requests\/sec/ { print $2 }' <<<"$out") "
    p50[$label]+="$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")") "
    p99[$label]+="$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")") "
    errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
    [ -n "$errors" ] && echo "bench: $label: $errors" >&2
  done
done

ceiling=$(tr ' ' '\n' <<<"${rps[ceiling /healthz]}" | grep . | median)
printf '\n%-44s %10s %9s %9s %9s\n' endpoint "req/s" "p50 ms" "p99 ms" "ceiling"
for target in "${targets[@]}"; do
  IFS='|' read -r label url options <<<"$target"
  r=$(tr ' ' '\n' <<<"${rps[$label]}" | grep . | median)
  a=$(tr ' ' '\n' <<<"${p50[$label]}" | grep . | median)
  b=$(tr ' ' '\n' <<<"${p99[$label]}" | grep . | median)
  printf '%-44s %10.0f %9.3f %9.3f %8.0f%%\n' "$label" "$r" "$a" "$b" "$(awk -v r="$r" -v c="$ceiling" 'BEGIN { print 100 * r / c }')"
done
echo "(medians of $rounds rounds; ceiling = share of /healthz throughput in this run)"
