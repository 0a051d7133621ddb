# Shared by bench/run and bench/soak (sourced, not run): builds zizhi, prepares the street-scale
# data from its pristine copy, starts the server(s) (SPIDS; `stop` ends them), signs in the resident
# (RESIDENT, RCSRF) and the worker (WORKER, WTOKEN), and lists case ids for the detail scenarios
# ($OUT/ids.txt). Needs: ROOT, BENCH_DIR, PORT, BASE, OUT, DB_URL.
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
echo "== cargo build --release"
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/zizhi"

DBARGS=(--data "$BENCH_DIR/data")
[ -n "$DB_URL" ] && DBARGS=(--database-url "$DB_URL")
# Each run writes ~100,000 cases; the lists count over all of them, so a run on the previous run's
# leftovers measures more data. The generated data is kept pristine and every run starts from it:
# a copy of the folder on SQLite, a template database on PostgreSQL.
PRISTINE="$BENCH_DIR/pristine"
pg_admin() { psql -q -v ON_ERROR_STOP=1 -d "${DB_URL%/*}/postgres" -c "$1"; }
DB_NAME="${DB_URL##*/}"; DB_NAME="${DB_NAME%%\?*}"
if [ -z "$DB_URL" ] && [ -f "$PRISTINE/zizhi.db" ]; then
  echo "== street-scale data from $PRISTINE (delete it to regenerate)"
  rm -rf "$BENCH_DIR/data"; cp -a "$PRISTINE" "$BENCH_DIR/data"
elif [ -n "$DB_URL" ] && psql -d "$DB_URL" -Atc "SELECT 1 FROM pg_database WHERE datname = '${DB_NAME}_pristine'" 2>/dev/null | grep -q 1; then
  echo "== street-scale data from the template database ${DB_NAME}_pristine (drop it to regenerate)"
  pg_admin "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)"
  pg_admin "CREATE DATABASE \"$DB_NAME\" TEMPLATE \"${DB_NAME}_pristine\""
else
  [ -z "$DB_URL" ] && rm -rf "$BENCH_DIR/data"
  echo "== zizhi demo --scale street"
  if "$BIN" demo --scale street "${DBARGS[@]}" > "$OUT/demo.log" 2>&1; then
    head -1 "$OUT/demo.log"
  elif [ -n "$DB_URL" ] && grep -q "already holds data" "$OUT/demo.log"; then
    echo "   the database already holds the data (drop and create it to regenerate)"
  else
    cat "$OUT/demo.log"; exit 1
  fi
  if [ -z "$DB_URL" ]; then
    rm -rf "$PRISTINE"; cp -a "$BENCH_DIR/data" "$PRISTINE"
  else
    pg_admin "CREATE DATABASE \"${DB_NAME}_pristine\" TEMPLATE \"$DB_NAME\""
  fi
fi

# One process on SQLite (it owns the file); PROCS processes sharing the port on PostgreSQL.
if curl -s -o /dev/null "$BASE/"; then echo "something already listens on $BASE: stop it or set PORT"; exit 1; fi
SPIDS=()
stop() { for p in "${SPIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; SPIDS=(); }
trap stop EXIT
NPROC=1; SERVEARGS=()
if [ -n "$DB_URL" ]; then NPROC="${PROCS:-2}"; SERVEARGS=(--reuse-port); fi
for i in $(seq 1 "$NPROC"); do
  "$BIN" serve "${DBARGS[@]}" --addr "127.0.0.1:$PORT" "${SERVEARGS[@]}" > "$OUT/zizhi-server-$i.log" 2>&1 &
  SPIDS+=($!)
  for _ in $(seq 1 150); do grep -q "listening on" "$OUT/zizhi-server-$i.log" && break; sleep 0.2; done
  grep -q "listening on" "$OUT/zizhi-server-$i.log" || { echo "zizhi did not come up"; cat "$OUT/zizhi-server-$i.log"; exit 1; }
done
curl -fs -o /dev/null "$BASE/report" || { echo "zizhi did not come up"; cat "$OUT"/zizhi-server-*.log; exit 1; }

# Sessions and tokens: the resident files, the worker lists and reads.
login() { # user jar → session cookie header
  local jar="$OUT/$1.jar"; rm -f "$jar"
  local csrf; csrf=$(curl -fs -c "$jar" -b "$jar" "$BASE/login" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
  curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "_csrf=$csrf" --data-urlencode "username=$1" \
    --data-urlencode "password=zizhi-demo" "$BASE/login"
  awk '$6 !~ /^#/ && NF >= 7 {printf "%s%s=%s", (n++ ? "; " : ""), $6, $7}' "$jar"
}
token() { curl -fs -X POST "$BASE/api/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"username\":\"$1\",\"password\":\"zizhi-demo\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/'; }
RESIDENT=$(login resident)
RCSRF=$(curl -fs -H "Cookie: $RESIDENT" "$BASE/report" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
WORKER=$(login worker)
WTOKEN=$(token worker)
# Case ids of the worker's community, for the detail scenarios.
curl -fs -H "Authorization: Bearer $WTOKEN" "$BASE/api/v1/cases?per_page=200&status=closed" \
  | grep -o '"id":[0-9]*' | cut -d: -f2 > "$OUT/ids.txt"
[ -s "$OUT/ids.txt" ] || { echo "no case ids for the worker"; exit 1; }
