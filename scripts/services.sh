#!/usr/bin/env bash
# Starts, stops and checks the real local services Braid needs: Apache Kafka (KRaft, single node,
# from the Maven Central jars) and Redis (Debian's redis-server). Idempotent: `start` on running
# services only checks them. All state lives under .braid/ in the repository (git-ignored).
#
#   scripts/services.sh start|stop|status|install [kafka|redis]
#
# Settings (environment): BRAID_KAFKA_PORT (9092), BRAID_KAFKA_CONTROLLER_PORT (9093),
# BRAID_KAFKA_SASL_SSL_PORT (Kafka port + 2), BRAID_KAFKA_SSL_PORT (Kafka port + 3),
# BRAID_REDIS_PORT (6379), BRAID_STATE_DIR (.braid), BRAID_KAFKA_HEAP (512m).
#
# Besides PLAINTEXT, Kafka gets two secured listeners for the transport tests (and for trying
# Braid's TLS/SASL settings): SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and SSL with
# required client certificates. The CA, the broker's and a client's certificates and the SASL
# user are generated on first start under $STATE/kafka/tls (see kafka/tls/README there).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${BRAID_STATE_DIR:-$ROOT/.braid}
KAFKA_PORT=${BRAID_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${BRAID_KAFKA_CONTROLLER_PORT:-9093}
SASL_SSL_PORT=${BRAID_KAFKA_SASL_SSL_PORT:-$((KAFKA_PORT + 2))}
SSL_PORT=${BRAID_KAFKA_SSL_PORT:-$((KAFKA_PORT + 3))}
REDIS_PORT=${BRAID_REDIS_PORT:-6379}
KAFKA_HOME=$STATE/kafka
TLS=$KAFKA_HOME/tls
REDIS_HOME=$STATE/redis
POM=$ROOT/deploy/kafka/pom.xml

log() { printf '[services] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # wait_for <what> <seconds> <command...>
  local what=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 4))); do
    if "$@"; then return 0; fi
    sleep 0.25
  done
  log "$what did not become ready within ${secs}s"; return 1
}

install_kafka() {
  # The jar set is keyed by the pom's hash, so a version bump in the pom refetches.
  local key; key=$(sha256sum "$POM" | cut -c1-16)
  if [ -f "$KAFKA_HOME/libs/.complete-$key" ]; then return 0; fi
  command -v java >/dev/null || { log "java (17+) is required for Kafka"; exit 1; }
  command -v mvn >/dev/null || { log "mvn is required to fetch the Kafka jars from Maven Central"; exit 1; }
  log "fetching Kafka jars from Maven Central (deploy/kafka/pom.xml)"
  rm -rf "$KAFKA_HOME/libs"; mkdir -p "$KAFKA_HOME/libs"
  mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs"
  touch "$KAFKA_HOME/libs/.complete-$key"
}

install_redis() {
  if command -v redis-server >/dev/null; then return 0; fi
  log "installing redis-server from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq redis-server >/dev/null
  # Debian's package may start a system instance on 6379; Braid runs its own under .braid/.
  if command -v service >/dev/null; then service redis-server stop >/dev/null 2>&1 || true; fi
  pkill -f 'redis-server 127.0.0.1:6379' 2>/dev/null || true
}

# A private CA, the broker's certificate (localhost, 127.0.0.1) and a client certificate, in PEM,
# and the SASL user's password. Made once; kept across restarts (delete the directory to renew).
make_tls() {
  [ -f "$TLS/.complete" ] && return 0
  command -v openssl >/dev/null || { log "openssl is required to make the Kafka test certificates"; exit 1; }
  log "making a test CA, broker and client certificates and a SASL user under $TLS"
  rm -rf "$TLS"; mkdir -p "$TLS"; chmod 700 "$TLS"
  (
    cd "$TLS"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=Braid test CA" -keyout ca.key -out ca.pem 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >broker.ext
    openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" -keyout broker.key -out broker.csr 2>/dev/null
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -sha256 -extfile broker.ext -out broker.pem 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=braid-client" -keyout client.key -out client.csr 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -sha256 -extfile client.ext -out client.pem 2>/dev/null
    # The same client key encrypted with a passphrase (BRAID_KAFKA_TLS_KEY_PASSPHRASE).
    openssl rand -hex 16 >client-key.passphrase
    openssl pkcs8 -topk8 -in client.key -out client-encrypted.key -passout file:client-key.passphrase -v2 aes-256-cbc 2>/dev/null
    # Kafka's PEM key store: the private key (PKCS#8) followed by the certificate chain.
    openssl pkcs8 -topk8 -nocrypt -in broker.key -out broker-pkcs8.key
    cat broker-pkcs8.key broker.pem ca.pem >broker-keystore.pem
    printf 'braid\n' >sasl.username
    openssl rand -hex 24 >sasl.password
    rm -f ./*.csr ./*.ext ./*.srl broker-pkcs8.key
    chmod 600 ./*
  )
  touch "$TLS/.complete"
}

kafka_config() {
  local sasl_password; sasl_password=$(cat "$TLS/sasl.password")
  cat <<CFG
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SASL_SSL://127.0.0.1:$SASL_SSL_PORT,SSL://127.0.0.1:$SSL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_SSL://127.0.0.1:$SASL_SSL_PORT,SSL://127.0.0.1:$SSL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL
ssl.keystore.type=PEM
ssl.keystore.location=$TLS/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS/ca.pem
listener.name.ssl.ssl.client.auth=required
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_braid="$sasl_password";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
log.dirs=$KAFKA_HOME/data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
message.max.bytes=10485760
log.retention.hours=24
log.segment.bytes=268435456
CFG
}

kafka_pid() { cat "$KAFKA_HOME/kafka.pid" 2>/dev/null || true; }
kafka_running() { local p; p=$(kafka_pid); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

start_kafka() {
  install_kafka
  if kafka_running && port_open "$KAFKA_PORT"; then log "kafka already running on 127.0.0.1:$KAFKA_PORT"; return 0; fi
  if port_open "$KAFKA_PORT"; then log "port $KAFKA_PORT is taken by another process"; exit 1; fi
  mkdir -p "$KAFKA_HOME/data" "$KAFKA_HOME/logs"
  make_tls
  kafka_config >"$KAFKA_HOME/server.properties"
  chmod 600 "$KAFKA_HOME/server.properties"
  local cp="$KAFKA_HOME/libs/*"
  if [ ! -f "$KAFKA_HOME/data/meta.properties" ]; then
    log "formatting Kafka storage (first start)"
    local scram=(); mapfile -t scram < <(scram_args)
    java -cp "$cp" kafka.tools.StorageTool format \
      --cluster-id "$(java -cp "$cp" kafka.tools.StorageTool random-uuid)" \
      --config "$KAFKA_HOME/server.properties" --ignore-formatted "${scram[@]}" >"$KAFKA_HOME/logs/format.log" 2>&1 \
      || { log "formatting failed: see $KAFKA_HOME/logs/format.log"; exit 1; }
    touch "$(scram_marker)"
  fi
  log "starting Kafka on 127.0.0.1:$KAFKA_PORT"
  cat >"$KAFKA_HOME/log4j2.yaml" <<'L4J'
Configuration:
  Appenders:
    Console: { name: STDOUT, PatternLayout: { Pattern: "[%d] %p %m (%c)%n" } }
  Loggers:
    Root: { level: INFO, AppenderRef: [{ ref: STDOUT }] }
    Logger:
      - { name: kafka.request.logger, level: WARN }
      - { name: state.change.logger, level: WARN }
      - { name: org.apache.kafka.controller, level: WARN }
L4J
  nohup java -Xms256m -Xmx"${BRAID_KAFKA_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_HOME/log4j2.yaml" -Dkafka.logs.dir="$KAFKA_HOME/logs" \
    -cp "$cp" kafka.Kafka "$KAFKA_HOME/server.properties" >"$KAFKA_HOME/logs/server.log" 2>&1 &
  echo $! >"$KAFKA_HOME/kafka.pid"
  wait_for "kafka" 90 kafka_ready || { tail -30 "$KAFKA_HOME/logs/server.log" >&2; exit 1; }
  add_scram_user
  log "kafka ready (PLAINTEXT $KAFKA_PORT, SASL_SSL $SASL_SSL_PORT, SSL with client certificates $SSL_PORT)"
}

# SCRAM credentials live in the cluster metadata: a fresh broker gets them when its storage is
# formatted; one formatted before (by an older version of this script) through the admin API.
scram_marker() { echo "$KAFKA_HOME/data/.braid-scram-$(sha256sum "$TLS/sasl.password" | cut -c1-16)"; }
scram_args() {
  local user password; user=$(cat "$TLS/sasl.username"); password=$(cat "$TLS/sasl.password")
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do printf -- '--add-scram\n%s=[name=%s,iterations=4096,password=%s]\n' "$mechanism" "$user" "$password"; done
}
add_scram_user() {
  local marker; marker=$(scram_marker)
  [ -f "$marker" ] && return 0
  local user password; user=$(cat "$TLS/sasl.username"); password=$(cat "$TLS/sasl.password")
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
    java -cp "$KAFKA_HOME/libs/*" -Dlog4j2.configurationFile="$KAFKA_HOME/log4j2.yaml" kafka.admin.ConfigCommand \
      --bootstrap-server "127.0.0.1:$KAFKA_PORT" --alter --entity-type users --entity-name "$user" \
      --add-config "$mechanism=[iterations=4096,password=$password]" >"$KAFKA_HOME/logs/scram.log" 2>&1 \
      || { log "adding the SCRAM user failed: see $KAFKA_HOME/logs/scram.log"; exit 1; }
  done
  touch "$marker"
}

kafka_ready() { kafka_running && port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$KAFKA_HOME/logs/server.log"; }

stop_kafka() {
  local p; p=$(kafka_pid)
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    log "stopping Kafka (pid $p)"; kill "$p"
    for _ in $(seq 1 120); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$p" 2>/dev/null && kill -9 "$p"
  fi
  rm -f "$KAFKA_HOME/kafka.pid"
}

redis_ping() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

start_redis() {
  install_redis
  if redis_ping; then log "redis already running on 127.0.0.1:$REDIS_PORT"; return 0; fi
  mkdir -p "$REDIS_HOME"
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  # BullMQ requires maxmemory-policy noeviction so that job data is never evicted.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_HOME" --daemonize yes \
    --pidfile "$REDIS_HOME/redis.pid" --logfile "$REDIS_HOME/redis.log" \
    --maxmemory-policy noeviction --appendonly no --save ''
  wait_for "redis" 20 redis_ping
  log "redis ready"
}

stop_redis() {
  if redis_ping; then log "stopping Redis"; redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; fi
}

cmd=${1:-status}; what=${2:-all}
case "$cmd:$what" in
  install:all) install_kafka; install_redis ;;
  install:kafka) install_kafka ;; install:redis) install_redis ;;
  start:all) start_redis; start_kafka ;;
  start:kafka) start_kafka ;; start:redis) start_redis ;;
  stop:all) stop_kafka; stop_redis ;;
  stop:kafka) stop_kafka ;; stop:redis) stop_redis ;;
  status:*)
    if kafka_ready; then echo "kafka: up (127.0.0.1:$KAFKA_PORT; SASL_SSL $SASL_SSL_PORT, SSL $SSL_PORT: $(port_open "$SASL_SSL_PORT" && echo open || echo closed))"; else echo "kafka: down"; fi
    if command -v redis-cli >/dev/null && redis_ping; then echo "redis: up (127.0.0.1:$REDIS_PORT)"; else echo "redis: down"; fi ;;
  *) echo "usage: $0 start|stop|status|install [all|kafka|redis]" >&2; exit 2 ;;
esac
