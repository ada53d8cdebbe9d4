#!/usr/bin/env bash
# tests/bench.sh: what `make bench` does. Starts a throwaway PostgreSQL, our
# server in a few configurations, and the bare ulfius program of
# tests/bench/bare.c, all on free ports; loads each row's URL with wrk
# (2 threads, 32 connections, on the same two cores as the servers) in
# interleaved rounds; and prints per row the median req/s, p50 and p99 of the
# rounds, the ratio to the bare ulfius program (default start, tiny body)
# in the same run, the server's peak RSS while the row ran, and the server's
# CPU time per request (user + system, from /proc/PID/stat): on a machine
# shared with other work req/s swings with the share of the cores a server
# gets, while the CPU a request costs moves much less.
#
# BENCH_SECONDS (default 4) per round, BENCH_ROUNDS (default 3),
# BENCH_CONNECTIONS (default 32), BENCH_ONLY (a regular expression: only the
# rows whose label matches, plus the bare row), BENCH_BEFORE (another build
# of build/insatskatalog, e.g. of main: its rows are measured in the same
# rounds, for a before/after table), BENCH_EXTRA_TARGETS (more rows).
set -uo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-4}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-32}
only=${BENCH_ONLY:-.}
before=${BENCH_BEFORE:-}
tmp=$(mktemp -d /tmp/ik-bench.XXXXXX)
pg_dir=$tmp/pg
declare -A pid_of_port   # port -> server pid, for RSS
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
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

# start NAME PORT ENV... -- COMMAND...: a server in the background, logged to $tmp/NAME.log.
start() {
  local name=$1 port=$2; shift 2
  env PORT="$port" OPENAPI_PATH=openapi.yaml "$@" >"$tmp/$name.log" 2>&1 &
  pids+=($!); pid_of_port[$port]=$!
}

pg_port=$(free_port)
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

bare_port=$(free_port); start bare "$bare_port" build/bench/bare "$bare_port"
bare_big_port=$(free_port); start bare-15k "$bare_big_port" build/bench/bare "$bare_big_port" 15000
# The framework's ceiling here: the same program on libmicrohttpd's epoll with two threads.
bare_epoll_port=$(free_port); start bare-epoll "$bare_epoll_port" build/bench/bare "$bare_epoll_port" 15 2
http_port=$(free_port); start server "$http_port" build/insatskatalog
# The document cache off: the cost of a read that goes to PostgreSQL.
nocache_port=$(free_port); start server-nocache "$nocache_port" CACHE_MIB=0 build/insatskatalog
# /metrics collection off: what recording every request costs.
nometrics_port=$(free_port); start server-nometrics "$nometrics_port" METRICS=off build/insatskatalog
# How connections are served: a thread per connection, and epoll pools of other sizes than the default.
threads_ports=()
for threads in 0 8 16; do
  port=$(free_port); start "server-threads$threads" "$port" HTTP_THREADS=$threads build/insatskatalog
  threads_ports+=("$threads:$port")
done
if [ -n "$before" ]; then
  before_port=$(free_port); start before "$before_port" "$before"
  before_nocache_port=$(free_port); start before-nocache "$before_nocache_port" CACHE_MIB=0 "$before"
fi
# A streaming replica (pg_basebackup) and a server reading from it, cache off
# like the "cache off" server, so the two compare a read through each.
replica_port=$(free_port); replica_dir=$tmp/replica; mkdir -p "$replica_dir"
REPLICA_URL=$(deploy/pg.sh replica "$replica_dir" "$pg_port" "$replica_port" 2>"$tmp/replica.log" | tail -n 1) || { echo "bench: the replica did not start:" >&2; cat "$tmp/replica.log" >&2; exit 1; }
replica_http_port=$(free_port)
start server-replica "$replica_http_port" CACHE_MIB=0 DATABASE_READ_URL="$REPLICA_URL" build/insatskatalog
for port in "${!pid_of_port[@]}"; do
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
done

base=http://127.0.0.1:$http_port
gzip="-H Accept-Encoding:gzip"
mixed="-s tests/bench/mixed.lua"
# "label|url|wrk options": the label is what the table shows.
targets=(
  "bare ulfius, tiny body (the yardstick)|http://127.0.0.1:$bare_port/healthz|"
  "bare ulfius, 15 KB body|http://127.0.0.1:$bare_big_port/healthz|"
  "bare ulfius, epoll, 2 threads|http://127.0.0.1:$bare_epoll_port/healthz|"
  "GET /healthz|$base/healthz|"
  "GET /v1/methods/fft|$base/v1/methods/fft|"
  "GET /v1/methods (15 KB)|$base/v1/methods|"
  "GET /v1/methods/fft, gzip|$base/v1/methods/fft|$gzip"
  "GET /v1/methods, gzip|$base/v1/methods|$gzip"
  "mixed: 9 cached, 1 uncached search|$base|$mixed"
)
for tp in "${threads_ports[@]}"; do
  threads=${tp%%:*}; port=${tp#*:}
  name="HTTP_THREADS=$threads"; [ "$threads" = 0 ] && name="thread per connection"
  targets+=("GET /v1/methods/fft ($name)|http://127.0.0.1:$port/v1/methods/fft|"
            "mixed ($name)|http://127.0.0.1:$port|$mixed")
done
targets+=(
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
  "GET /v1/guidance?age=14&risk=hög&municipality=0381|$base/v1/guidance?age=14&risk=h%C3%B6g&needs=familj&municipality=0381|"
  "GET …/guidance …0381 (cache off)|http://127.0.0.1:$nocache_port/v1/guidance?age=14&risk=h%C3%B6g&needs=familj&municipality=0381|"
  # One connection per core: the latency a caller sees when the server is not saturated.
  "GET …/guidance …0381 (cache off, 2 conns)|http://127.0.0.1:$nocache_port/v1/guidance?age=14&risk=h%C3%B6g&needs=familj&municipality=0381|-c2"
  "GET /v1/maps/municipalities|$base/v1/maps/municipalities|"
  "GET /v1/maps/municipalities (cache off)|http://127.0.0.1:$nocache_port/v1/maps/municipalities|"
  "PATCH /v1/methods/{slug} (2 conns)|$base|-c2 -s tests/bench_patch.lua"
  "PATCH /v1/offerings/{id} cost (2 conns)|$base|-c2 -s tests/bench_patch_offering.lua"
)
if [ -n "$before" ]; then
  bb=http://127.0.0.1:$before_port
  targets+=(
    "before: GET /healthz|$bb/healthz|"
    "before: GET /v1/methods/fft|$bb/v1/methods/fft|"
    "before: GET /v1/methods (15 KB)|$bb/v1/methods|"
    "before: GET /v1/methods, gzip asked|$bb/v1/methods|$gzip"
    "before: mixed: 9 cached, 1 uncached search|$bb|$mixed"
    "before: GET /v1/methods (cache off)|http://127.0.0.1:$before_nocache_port/v1/methods|"
    "before: GET …/0381/coverage (cache off)|http://127.0.0.1:$before_nocache_port/v1/municipalities/0381/coverage|"
    "before: GET …/guidance …0381 (cache off)|http://127.0.0.1:$before_nocache_port/v1/guidance?age=14&risk=h%C3%B6g&needs=familj&municipality=0381|"
    "before: GET …/guidance …0381 (cache off, 2 conns)|http://127.0.0.1:$before_nocache_port/v1/guidance?age=14&risk=h%C3%B6g&needs=familj&municipality=0381|-c2"
    "before: GET /v1/maps/municipalities (cache off)|http://127.0.0.1:$before_nocache_port/v1/maps/municipalities|"
  )
fi
[ -n "${BENCH_EXTRA_TARGETS:-}" ] && while read -r line; do [ -n "$line" ] && targets+=("$line"); done <<<"$BENCH_EXTRA_TARGETS"
yardstick=${targets[0]%%|*}
selected=("${targets[0]}")
for target in "${targets[@]:1}"; do [[ ${target%%|*} =~ $only ]] && selected+=("$target"); done

# wrk prints latencies as 812.00us, 1.23ms or 1.02s; convert to ms.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
port_of() { sed -E 's|^https?://[^:/]+:([0-9]+).*|\1|' <<<"$1"; }
# The highest VmRSS (KiB) of pid, sampled every 0.2 s until the file $2 appears.
peak_rss() {
  local peak=0 rss
  while [ ! -e "$2" ]; do
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  echo "$peak"
}

declare -A rps p50 p99 rss bytes cpu
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
for target in "${selected[@]}"; do
  IFS='|' read -r label url options <<<"$target"
  [[ "$options" == *-s* ]] && url_check=$url/healthz || url_check=$url
  curl -fsS -o /dev/null "$url_check" || { echo "bench: $url_check does not answer 200" >&2; exit 1; }
  # Bytes on the wire per answer, as the row asks (gzip rows send Accept-Encoding).
  encoding=(); [[ "$options" == *Accept-Encoding* ]] && encoding=(-H "Accept-Encoding: gzip")
  [[ "$options" == *-s* ]] || bytes[$label]=$(curl -fsS -o /dev/null -w '%{size_download}' "${encoding[@]}" "$url")
done
# Warm the scripted mixed rows for a second: PostgreSQL's first searches (cold
# plans and pages) would otherwise weigh on whichever mixed row comes first.
for target in "${selected[@]}"; do
  IFS='|' read -r label url options <<<"$target"
  [[ "$options" == *mixed.lua* ]] && wrk -t2 -c"$connections" -d1s $options "$url" >/dev/null 2>&1
done
echo "bench: $rounds rounds of ${seconds}s per row, wrk -t2 -c$connections unless noted, servers and wrk on the same $(nproc) cores"
for round in $(seq 1 "$rounds"); do
  for target in "${selected[@]}"; do
    IFS='|' read -r label url options <<<"$target"
    # Warm: the previous row may have been the write loop, which empties the cache.
    [[ "$options" == *-s* ]] || curl -fsS -o /dev/null "$url"
    port=$(port_of "$url"); done_file=$tmp/done.$round
    rm -f "$done_file"
    peak_rss "${pid_of_port[$port]}" "$done_file" >"$tmp/rss" &
    sampler=$!
    ticks_before=$(cpu_ticks "${pid_of_port[$port]}")
    # shellcheck disable=SC2086 # options are words for wrk
    out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency $options "$url" 2>&1)
    ticks=$(( $(cpu_ticks "${pid_of_port[$port]}") - ticks_before ))
    touch "$done_file"; wait "$sampler"
    cpu[$label]+="$(awk -v t="$ticks" -v hz="$hz" -v n="$(awk '/requests in/ { print $1 }' <<<"$out")" \
      'BEGIN { printf "%.2f", (n > 0 ? t * 1e6 / hz / n : 0) }') "
    rps[$label]+="$(awk '/Requests\/sec/ { print $2 }' <<<"$out") "
    p50[$label]+="$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")") "
    p99[$label]+="$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")") "
    rss[$label]+="$(cat "$tmp/rss") "
    errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
    [ -n "$errors" ] && echo "bench: $label: $errors" >&2
  done
done

ref=$(tr ' ' '\n' <<<"${rps[$yardstick]}" | grep . | median)
printf '\n%-46s %9s %7s %8s %8s %8s %8s %8s\n' row "req/s" "× bare" "p50 ms" "p99 ms" "RSS MB" "CPU µs" "bytes"
for target in "${selected[@]}"; do
  IFS='|' read -r label url options <<<"$target"
  r=$(tr ' ' '\n' <<<"${rps[$label]}" | grep . | median)
  a=$(tr ' ' '\n' <<<"${p50[$label]}" | grep . | median)
  b=$(tr ' ' '\n' <<<"${p99[$label]}" | grep . | median)
  m=$(tr ' ' '\n' <<<"${rss[$label]}" | grep . | sort -g | tail -n 1)
  c=$(tr ' ' '\n' <<<"${cpu[$label]}" | grep . | median)
  printf '%-46s %9.0f %7.2f %8.3f %8.3f %8.1f %8.1f %8s\n' "$label" "$r" "$(awk -v r="$r" -v c="$ref" 'BEGIN { print r / c }')" \
    "$a" "$b" "$(awk -v k="$m" 'BEGIN { print k / 1024 }')" "$c" "${bytes[$label]:--}"
done
echo "(req/s, p50 and p99: medians of $rounds rounds; RSS: the highest of the rounds; × bare: share of the"
echo " bare ulfius program's req/s in this run; CPU µs: the server's CPU time per request, user + system,"
echo " median of the rounds (PostgreSQL's is not counted); bytes: one answer's body on the wire)"
