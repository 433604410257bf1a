#!/usr/bin/env bash
# Example deployment: PostgreSQL + two `certyard serve` replicas + HAProxy, all on loopback.
#
#   deploy/replicas.sh start [DIR]    # DIR defaults to ./certyard-deploy
#   deploy/replicas.sh status [DIR]
#   deploy/replicas.sh stop [DIR]
#
# Ports (override with environment variables):
#   PG_PORT=55432            PostgreSQL (own data directory DIR/pg)
#   R1_HTTPS=8443 R1_HTTP=8080, R2_HTTPS=8444 R2_HTTP=8081   the replicas
#   FRONT_HTTPS=9443 FRONT_HTTP=9080                         HAProxy
# CERTYARD (default: certyard) is the command to run. See deploy/README.md.
#
# Secrets: PostgreSQL authenticates every connection, local socket included, with
# scram-sha-256 and a generated password kept in DIR/pg.password (0600); certyard reads it
# through a libpq password file (DIR/pgpass, 0600), so it is in no URL or command line.
# Each replica's home (its serve.log holds the one-time admin password) is 0700.
set -euo pipefail

CMD=${1:-}
DIR=$(realpath -m "${2:-./certyard-deploy}")
PG_PORT=${PG_PORT:-55432}
R1_HTTPS=${R1_HTTPS:-8443}; R1_HTTP=${R1_HTTP:-8080}
R2_HTTPS=${R2_HTTPS:-8444}; R2_HTTP=${R2_HTTP:-8081}
FRONT_HTTPS=${FRONT_HTTPS:-9443}; FRONT_HTTP=${FRONT_HTTP:-9080}
CERTYARD=${CERTYARD:-certyard}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

die() { echo "replicas.sh: $*" >&2; exit 1; }

as_pg() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

wait_ready() {  # $1: plain-HTTP port of a replica (up to 90 s: first run creates the CA)
  for _ in $(seq 1 450); do
    if curl -fsS "http://127.0.0.1:$1/readyz" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 1
}

pg_password() {  # generated once, 0600, readable only by whoever runs this script
  if [ ! -s "$DIR/pg.password" ]; then
    (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$DIR/pg.password")
  fi
  chmod 600 "$DIR/pg.password"
  (umask 077; printf '127.0.0.1:%s:*:postgres:%s\n' "$PG_PORT" "$(cat "$DIR/pg.password")" \
    >"$DIR/pgpass")
  export PGPASSFILE="$DIR/pgpass"
}

start_pg() {
  [ -n "$PG_BIN" ] || die "PostgreSQL is not installed (apt-get install postgresql)"
  (umask 077; mkdir -p "$DIR/pg")
  chmod 700 "$DIR/pg"
  [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$DIR/pg"
  pg_password
  if [ ! -f "$DIR/pg/data/PG_VERSION" ]; then
    # initdb reads the superuser password from a file the postgres user can open: a
    # private copy inside DIR/pg (0700, postgres), removed at once.
    local pw="$DIR/pg/.initdb-pw"
    (umask 077; cp "$DIR/pg.password" "$pw")
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$pw"
    as_pg "$PG_BIN/initdb" -D "$DIR/pg/data" -U postgres --auth=scram-sha-256 \
      --pwfile="$pw" -E UTF8 >/dev/null
    rm -f "$pw"
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$DIR/pg/data" -w -l "$DIR/pg/log" \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$DIR/pg" \
    start >/dev/null
  # Client commands run as this user (not postgres): they read DIR/pgpass.
  if ! "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='certyard'" | grep -q 1; then
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres certyard
  fi
}

start_replica() {  # name https http
  local home="$DIR/$1"
  (umask 077; mkdir -p "$home")
  chmod 700 "$home"  # serve.log holds the one-time administrator password
  (umask 077; : >>"$home/serve.log")
  chmod 600 "$home/serve.log"
  CERTYARD_HOME="$home" nohup "$CERTYARD" serve --host 127.0.0.1 --https-port "$2" \
    --http-port "$3" --drain-seconds 2 >"$home/serve.log" 2>&1 &
  echo $! >"$home/pid"
  wait_ready "$3" || { cat "$home/serve.log" >&2; die "replica $1 did not become ready"; }
}

write_haproxy_cfg() {
  cat >"$DIR/haproxy.cfg" <<EOF
global
    maxconn 2000
    pidfile $DIR/haproxy.pid
    # Per-server counters ("show stat"), for the operator on this host only.
    stats socket $DIR/haproxy.sock mode 600 level user

defaults
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch

# HTTPS: TCP passthrough. The replicas terminate TLS with the certificate kept in the
# database (the same on every replica), so HAProxy holds no key.
frontend https_in
    mode tcp
    bind 127.0.0.1:$FRONT_HTTPS
    default_backend certyard_https

backend certyard_https
    mode tcp
    balance leastconn
    option httpchk GET /readyz
    http-check expect status 200
    # Health over the replica's plain-HTTP listener (same /readyz).
    server r1 127.0.0.1:$R1_HTTPS check port $R1_HTTP inter 1s fall 2 rise 2
    server r2 127.0.0.1:$R2_HTTPS check port $R2_HTTP inter 1s fall 2 rise 2

# Plain HTTP: CRL, OCSP and CA downloads (and the redirect to HTTPS).
frontend http_in
    mode http
    bind 127.0.0.1:$FRONT_HTTP
    default_backend certyard_http

backend certyard_http
    mode http
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    server r1 127.0.0.1:$R1_HTTP check inter 1s fall 2 rise 2
    server r2 127.0.0.1:$R2_HTTP check inter 1s fall 2 rise 2
EOF
}

start() {
  command -v haproxy >/dev/null || die "HAProxy is not installed (apt-get install haproxy)"
  command -v "$CERTYARD" >/dev/null || die "$CERTYARD not found"
  mkdir -p "$DIR"
  chmod 711 "$DIR"  # postgres (initdb as its own user) must reach DIR/pg
  if [ ! -f "$DIR/master.key" ]; then
    (umask 077; head -c 32 /dev/urandom | base64 >"$DIR/master.key")
  fi
  start_pg
  export CERTYARD_MASTER_KEY; CERTYARD_MASTER_KEY=$(cat "$DIR/master.key")
  # No password in the URL: libpq takes it from PGPASSFILE (set by pg_password).
  export CERTYARD_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/certyard"
  # The first replica initialises a fresh store (cluster, administrator, CA); the second
  # starts once it is ready, so two first-runs never race.
  start_replica r1 "$R1_HTTPS" "$R1_HTTP"
  start_replica r2 "$R2_HTTPS" "$R2_HTTP"
  write_haproxy_cfg
  haproxy -c -q -f "$DIR/haproxy.cfg"
  haproxy -D -f "$DIR/haproxy.cfg"
  echo "certyard: https://127.0.0.1:$FRONT_HTTPS/  (CRL/OCSP: http://127.0.0.1:$FRONT_HTTP/)"
  grep -h "One-time password" "$DIR/r1/serve.log" || true
}

stop_pidfile() {  # file [signal]: end the process and wait for it
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$f"
}

stop() {
  stop_pidfile "$DIR/haproxy.pid"
  stop_pidfile "$DIR/r2/pid"  # SIGTERM: drain, finish in-flight requests, exit
  stop_pidfile "$DIR/r1/pid"
  if [ -f "$DIR/pg/data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$DIR/pg/data" -w -m fast stop >/dev/null
  fi
}

status() {
  for r in r1:$R1_HTTP r2:$R2_HTTP; do
    printf '%s ' "${r%%:*}"
    curl -sS "http://127.0.0.1:${r##*:}/readyz" || printf 'down'
    echo
  done
  printf 'front '
  curl -sS "http://127.0.0.1:$FRONT_HTTP/readyz" || printf 'down'
  echo
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|status|stop [DIR]" >&2; exit 2 ;;
esac
