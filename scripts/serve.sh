#!/usr/bin/env bash
# Serve the explorer from N replicas behind nginx, on one port:
#
#   scripts/serve.sh --replicas 2 --port 8600 [--checkpoints DIR] [--run-dir DIR]
#
# Starts N `streamlit run app.py` replicas on internal loopback ports, writes an nginx
# configuration for them into the run folder and runs nginx in the foreground (its logs,
# pid and temp files in the run folder, the replicas' logs beside them). Sessions are
# sticky by a cookie (`lx_replica`): Streamlit keeps a session's state in the process that
# serves its websocket. A replica that dies is skipped by nginx (passive health check) and
# restarted by this script; its users' pages reconnect to a live replica and rebuild
# their view from the link in the address bar. Every replica reads one checkpoints folder
# and writes one static folder (content-named files: replicas never overwrite each
# other's), and nginx serves the static files itself.
#
# SIGTERM or Ctrl-C stops nginx and every replica this script started, and nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

REPLICAS=2
PORT=8600
CHECKPOINTS="${LATENT_EXPLORER_CHECKPOINTS:-$ROOT/checkpoints}"
RUN_DIR=""
STATIC="${LATENT_EXPLORER_STATIC:-$ROOT/static}"  # written by the replicas, served by nginx
UPLOAD_MB=11  # the app takes pictures up to 10 MB (vae.image); 1 MB more for the form's framing
usage() { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --replicas) REPLICAS="${2:-}"; shift 2 ;;
        --port) PORT="${2:-}"; shift 2 ;;
        --checkpoints) CHECKPOINTS="${2:-}"; shift 2 ;;
        --run-dir) RUN_DIR="${2:-}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "serve: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
[[ "$REPLICAS" =~ ^[0-9]+$ ]] && [ "$REPLICAS" -ge 1 ] && [ "$REPLICAS" -le 32 ] \
    || { echo "serve: --replicas must be a whole number from 1 to 32, got '$REPLICAS'" >&2; exit 2; }
[[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] \
    || { echo "serve: --port must be a port number, got '$PORT'" >&2; exit 2; }
[ -d "$CHECKPOINTS" ] || { echo "serve: no checkpoints folder at $CHECKPOINTS" >&2; exit 2; }
CHECKPOINTS=$(cd "$CHECKPOINTS" && pwd)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "serve: nginx is not installed (apt-get install nginx-light, or run scripts/setup.sh --serve)" >&2; exit 2; }
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || { echo "serve: no .venv here; run scripts/setup.sh first" >&2; exit 2; }
RUN_DIR="${RUN_DIR:-$ROOT/run/serve-$PORT}"
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_free "$PORT" || { echo "serve: port $PORT is already in use" >&2; exit 2; }

# Internal ports: the first free ones above the public port.
PORTS=()
candidate=$((PORT + 1))
while [ ${#PORTS[@]} -lt "$REPLICAS" ]; do
    [ "$candidate" -le 65535 ] || { echo "serve: no free ports above $PORT" >&2; exit 2; }
    port_free "$candidate" && PORTS+=("$candidate")
    candidate=$((candidate + 1))
done

declare -A PIDS=()
NGINX_PID=""
stopping=0
stop_all() {
    stopping=1
    trap - TERM INT
    [ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for _ in $(seq 50); do
        alive=0
        for p in "${PIDS[@]}" $NGINX_PID; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.2
    done
    for p in "${PIDS[@]}" $NGINX_PID; do kill -KILL "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    echo "serve: stopped nginx and ${#PIDS[@]} replicas" >&2
}
trap 'stop_all; exit 143' TERM
trap 'stop_all; exit 130' INT

start_replica() {  # $1: internal port
    LATENT_EXPLORER_CHECKPOINTS="$CHECKPOINTS" LATENT_EXPLORER_STATIC="$STATIC" \
        STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
        "$PY" -m streamlit run "$ROOT/app.py" --server.headless=true \
        --server.address=127.0.0.1 --server.port="$1" --browser.gatherUsageStats=false \
        --server.maxUploadSize="$UPLOAD_MB" >>"$RUN_DIR/replica-$1.log" 2>&1 &
    PIDS[$1]=$!
    echo "${PIDS[$1]}" >"$RUN_DIR/replica-$1.pid"
}

healthy() { "$PY" - "$1" <<'EOF'
import sys, urllib.request
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_stcore/health", timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except OSError:
    sys.exit(1)
EOF
}

# The shared static folder is written once, before any replica starts (otherwise each
# would build the same files at its first page).
mkdir -p "$STATIC"
STATIC=$(cd "$STATIC" && pwd)
LATENT_EXPLORER_CHECKPOINTS="$CHECKPOINTS" LATENT_EXPLORER_STATIC="$STATIC" "$PY" scripts/warm_static.py >"$RUN_DIR/warm_static.log" 2>&1 \
    || echo "serve: warm_static failed (see $RUN_DIR/warm_static.log); pages will build their files" >&2

for p in "${PORTS[@]}"; do start_replica "$p"; done
for p in "${PORTS[@]}"; do
    for _ in $(seq 600); do
        healthy "$p" && break
        kill -0 "${PIDS[$p]}" 2>/dev/null || { echo "serve: replica on port $p died at start; see $RUN_DIR/replica-$p.log" >&2; stop_all; exit 1; }
        sleep 0.1
    done
done

mkdir -p "$RUN_DIR/nginx-temp"
{
    echo "# written by scripts/serve.sh; rewritten at every start"
    echo "worker_processes 1;"
    echo "pid $RUN_DIR/nginx.pid;"
    echo "error_log $RUN_DIR/nginx-error.log warn;"
    echo "events { worker_connections 1024; }"
    echo "http {"
    echo "    access_log $RUN_DIR/nginx-access.log;"
    echo "    include /etc/nginx/mime.types;"
    for t in client_body proxy fastcgi uwsgi scgi; do
        echo "    ${t}_temp_path $RUN_DIR/nginx-temp/$t;"
    done
    echo "    client_max_body_size ${UPLOAD_MB}m;"
    echo "    # Sticky sessions: the cookie lx_replica names the replica that last served this"
    echo "    # browser; a new browser gets any (hashed on the request), and if its replica"
    echo "    # is down the others stand in (backup) and the cookie follows the one that served."
    echo "    map \$cookie_lx_replica \$lx_upstream {"
    echo "        default any;"
    for i in "${!PORTS[@]}"; do echo "        r$i r$i;"; done
    echo "    }"
    echo "    map \$upstream_addr \$lx_served {"
    echo "        default \$cookie_lx_replica;"
    for i in "${!PORTS[@]}"; do echo "        \"~:${PORTS[$i]}\$\" r$i;"; done
    echo "    }"
    echo "    map \$http_upgrade \$connection_upgrade { default upgrade; \"\" close; }"
    echo "    upstream any {"
    echo "        least_conn;"
    for p in "${PORTS[@]}"; do echo "        server 127.0.0.1:$p max_fails=1 fail_timeout=5s;"; done
    echo "    }"
    for i in "${!PORTS[@]}"; do
        echo "    upstream r$i {"
        echo "        server 127.0.0.1:${PORTS[$i]} max_fails=1 fail_timeout=5s;"
        for j in "${!PORTS[@]}"; do
            [ "$j" = "$i" ] || echo "        server 127.0.0.1:${PORTS[$j]} backup;"
        done
        echo "    }"
    done
    echo "    server {"
    echo "        listen 127.0.0.1:$PORT;"
    echo "        location /app/static/ { alias $STATIC/; add_header Cache-Control \"public, max-age=3600\"; }"
    echo "        location / {"
    echo "            proxy_pass http://\$lx_upstream;"
    echo "            add_header Set-Cookie \"lx_replica=\$lx_served; Path=/; HttpOnly; SameSite=Lax\" always;"
    echo "            add_header X-Served-By \$upstream_addr always;"
    echo "            proxy_http_version 1.1;"
    echo "            proxy_set_header Host \$host;"
    echo "            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;"
    echo "            proxy_set_header Upgrade \$http_upgrade;"
    echo "            proxy_set_header Connection \$connection_upgrade;"
    echo "            proxy_connect_timeout 2s;"
    echo "            proxy_read_timeout 1h;"
    echo "            proxy_send_timeout 1h;"
    echo "            proxy_buffering off;"
    echo "            proxy_next_upstream error timeout http_502 http_503;"
    echo "        }"
    echo "    }"
    echo "}"
} >"$RUN_DIR/nginx.conf"
"$NGINX" -t -q -c "$RUN_DIR/nginx.conf" -p "$RUN_DIR" -g "daemon off;" 2>>"$RUN_DIR/nginx-error.log" \
    || { echo "serve: nginx refused $RUN_DIR/nginx.conf (see $RUN_DIR/nginx-error.log)" >&2; stop_all; exit 1; }
"$NGINX" -c "$RUN_DIR/nginx.conf" -p "$RUN_DIR" -g "daemon off;" &
NGINX_PID=$!
echo "serve: http://127.0.0.1:$PORT -> ${#PORTS[@]} replicas on ports ${PORTS[*]} (logs in $RUN_DIR)" >&2

# Watch: restart a replica that died; stop everything if nginx dies.
while [ $stopping = 0 ]; do
    sleep 1 & wait $! || true
    kill -0 "$NGINX_PID" 2>/dev/null || { echo "serve: nginx exited; see $RUN_DIR/nginx-error.log" >&2; stop_all; exit 1; }
    for p in "${PORTS[@]}"; do
        if ! kill -0 "${PIDS[$p]}" 2>/dev/null; then
            echo "serve: replica on port $p died; restarting it" >&2
            start_replica "$p"
        fi
    done
done
