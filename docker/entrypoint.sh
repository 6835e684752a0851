#!/bin/bash
# Start Neo4j 5.26 Community + OpenGDS the way mp2v/db/server.py starts the local server, honouring the
# official neo4j image's environment contract:
#   NEO4J_AUTH=neo4j/<password>   initial password (set before the first start; at least 8 characters)
#   NEO4J_AUTH=none               authentication disabled
#   NEO4J_<setting>               any setting: '_' -> '.', '__' -> '_'
#                                 (NEO4J_server_bolt_listen__address=127.0.0.1:7690 -> server.bolt.listen_address)
#   NEO4J_server_memory_heap_max__size / _initial__size   JVM -Xmx / -Xms (default 2g / min(512m, max)):
#                                 Neo4j reads the heap settings only in its bin/neo4j launcher, which we do not use.
#   NEO4J_server_jvm_additional   extra JVM flags, one per line
# Differences from the official image, on purpose: listens on 127.0.0.1 by default (the project runs
# containers with host networking), HTTP is off unless NEO4J_server_http_enabled=true, GDS is built in.
#
# Readiness: Neo4j prints "Started." when it is up, and "Remote interface available at" only when HTTP is on.
# testcontainers' Neo4jContainer waits for the latter, so a background probe prints
#   "... INFO  Remote interface available at bolt://HOST:PORT/ (Bolt accepts connections; mp2v entrypoint)"
# once the Bolt port accepts TCP connections, whatever the HTTP setting.
set -euo pipefail

HOME_DIR=${NEO4J_HOME:-/opt/neo4j}
CONF_DIR=${NEO4J_CONF:-$HOME_DIR/conf}
MAIN_CLASS=org.neo4j.server.CommunityEntryPoint
ADMIN_CLASS=org.neo4j.cli.AdminTool
MIN_PASSWORD_LENGTH=8
READY_TIMEOUT_S=${MP2V_READY_TIMEOUT_S:-600}
# Keep in step with JVM_FLAGS in mp2v/db/server.py (the flags Neo4j's own launcher adds on Java 17+).
JVM_FLAGS=(
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens=java.base/java.lang=ALL-UNNAMED
    -Dio.netty.tryReflectionSetAccessible=true
    --enable-native-access=ALL-UNNAMED
    -XX:+UseG1GC
    -XX:+ExitOnOutOfMemoryError
    -Dfile.encoding=UTF-8
)

log() { printf '%s INFO  [entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S.%3N%z')" "$*"; }
die() { printf '%s ERROR [entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S.%3N%z')" "$*" >&2; exit 1; }

# `entrypoint.sh healthcheck`: a Bolt handshake against the address in neo4j.conf. It proves the Bolt server
# (not just any TCP listener) negotiates a protocol version; no cypher-shell or driver is needed.
if [ "${1:-}" = healthcheck ]; then
    address=$(sed -n 's/^server\.bolt\.listen_address=//p' "$CONF_DIR/neo4j.conf" 2>/dev/null || true)
    listen=$(sed -n 's/^server\.default_listen_address=//p' "$CONF_DIR/neo4j.conf" 2>/dev/null || true)
    port=${address##*:}; port=${port:-7687}
    host=${address%:*}; host=${host:-${listen:-127.0.0.1}}
    case "$host" in 0.0.0.0|"[::]"|::) host=127.0.0.1 ;; esac
    exec 3<>"/dev/tcp/$host/$port" || { echo "nothing listens on $host:$port"; exit 1; }
    # Magic 0x6060B017, then four proposals: Bolt 5.8..5.0, 4.4, none, none.
    printf '\x60\x60\xb0\x17\x00\x08\x08\x05\x00\x00\x04\x04\x00\x00\x00\x00\x00\x00\x00\x00' >&3
    reply=$(timeout 5 head -c 4 <&3 | od -An -tx1 | tr -d ' \n')
    exec 3>&-
    if [ -n "$reply" ] && [ "$reply" != 00000000 ]; then echo "Bolt answers on $host:$port (version $reply)"; exit 0; fi
    echo "no Bolt handshake on $host:$port (reply '$reply')"
    exit 1
fi

# `docker run IMAGE bash` and the like: run the command instead of the server (as the official image does).
if [ $# -gt 0 ] && [ "$1" != neo4j ]; then
    exec "$@"
fi

to_bytes() {  # 2g -> 2147483648; bare numbers are bytes
    local size=${1,,} unit=1
    case "$size" in
        *k) unit=1024; size=${size%k} ;;
        *m) unit=$((1024 * 1024)); size=${size%m} ;;
        *g) unit=$((1024 * 1024 * 1024)); size=${size%g} ;;
    esac
    [[ "$size" =~ ^[0-9]+$ ]] || die "'$1' is not a memory size; write it like 2g or 512m"
    echo $((size * unit))
}

# -- settings: the local server's defaults, then NEO4J_* from the environment (the environment wins) -------
declare -A conf=(
    [server.default_listen_address]=127.0.0.1
    [server.default_advertised_address]=127.0.0.1
    [server.http.enabled]=false
    [server.https.enabled]=false
    [server.directories.data]=/data
    [server.directories.logs]=/logs
    [server.directories.transaction.logs.root]=/data/transactions
    [server.directories.run]=$HOME_DIR/run
    [server.directories.import]=$HOME_DIR/import
    [server.directories.plugins]=$HOME_DIR/plugins
    [server.memory.pagecache.size]=512m
    [dbms.security.procedures.unrestricted]=gds.*
    [dbms.usage_report.enabled]=false
    # Bulk loads write many transactions; keep the logs bounded on small disks (as the local server does).
    [db.tx_log.rotation.retention_policy]="2 files"
    # Netty waits a 5 s quiet period per event loop group at shutdown (10 s in all), which exceeds
    # `docker stop`'s 10 s grace period: the server was SIGKILLed mid-shutdown. 1 s each is plenty.
    [internal.dbms.bolt.netty_server_shutdown_quiet_period]=1
)
for name in $(compgen -e); do
    # Settings are lower case (server.*, dbms.*, db.*, ...); NEO4J_AUTH, NEO4J_PASSWORD, NEO4J_URI and other
    # upper-case variables are not settings, and Neo4j 5 refuses to start on an unknown setting name.
    [[ "$name" =~ ^NEO4J_[a-z][a-z0-9_]*$ ]] || continue
    setting=${name#NEO4J_}
    setting=${setting//__/@}
    setting=${setting//_/.}
    setting=${setting//@/_}
    conf[$setting]=${!name}
done

# If only the Bolt listen address was given, advertise the same port (neo4j:// routing uses it).
if [ -n "${conf[server.bolt.listen_address]:-}" ] && [ -z "${conf[server.bolt.advertised_address]:-}" ]; then
    conf[server.bolt.advertised_address]=":${conf[server.bolt.listen_address]##*:}"
fi

# -- authentication -------------------------------------------------------------------------------------
if [ -n "${NEO4J_AUTH_PATH:-}" ] && [ -z "${NEO4J_AUTH:-}" ]; then
    [ -r "$NEO4J_AUTH_PATH" ] || die "NEO4J_AUTH_PATH=$NEO4J_AUTH_PATH is not a readable file"
    NEO4J_AUTH=$(head -n 1 "$NEO4J_AUTH_PATH")
fi
initial_password=
case "${NEO4J_AUTH:-}" in
    none) conf[dbms.security.auth_enabled]=false ;;
    "") ;;  # like the official image: auth on, user neo4j/neo4j must change the password at first login
    neo4j/*)
        initial_password=${NEO4J_AUTH#neo4j/}
        [ "$initial_password" != neo4j ] || die "NEO4J_AUTH: the password must not be 'neo4j'; choose another"
        [ ${#initial_password} -ge $MIN_PASSWORD_LENGTH ] \
            || die "NEO4J_AUTH: the password must have at least $MIN_PASSWORD_LENGTH characters (Neo4j 5)"
        ;;
    */*) die "NEO4J_AUTH: the user must be neo4j (NEO4J_AUTH=neo4j/<password>), got '${NEO4J_AUTH%%/*}'" ;;
    *) die "NEO4J_AUTH must be neo4j/<password> or none" ;;
esac

# -- heap: -Xmx/-Xms from the heap settings (Neo4j itself ignores them without its launcher) -------------
heap_max=${conf[server.memory.heap.max_size]:-2g}
heap_initial=${conf[server.memory.heap.initial_size]:-}
if [ -z "$heap_initial" ]; then
    heap_initial=512m
    [ "$(to_bytes "$heap_max")" -ge "$(to_bytes 512m)" ] || heap_initial=$heap_max
fi
to_bytes "$heap_max" >/dev/null
to_bytes "$heap_initial" >/dev/null
extra_jvm=()
if [ -n "${conf[server.jvm.additional]:-}" ]; then
    while IFS= read -r flag; do [ -n "$flag" ] && extra_jvm+=("$flag"); done <<<"${conf[server.jvm.additional]}"
    unset 'conf[server.jvm.additional]'  # multi-line; the launcher's business, not the server's
fi

# -- folders and neo4j.conf (written on every start, like the local server) ------------------------------
for dir in "${conf[server.directories.data]}" "${conf[server.directories.logs]}" \
           "${conf[server.directories.run]}" "$CONF_DIR"; do
    mkdir -p "$dir" 2>/dev/null || true
    [ -w "$dir" ] || die "$dir is not writable by uid $(id -u); use a named volume or a folder owned by uid $(id -u)"
done
{
    echo "# Written by $0 on every start; set NEO4J_<setting> environment variables instead of editing it."
    for key in $(printf '%s\n' "${!conf[@]}" | sort); do
        printf '%s=%s\n' "$key" "${conf[$key]}"
    done
} >"$CONF_DIR/neo4j.conf"

export NEO4J_HOME=$HOME_DIR NEO4J_CONF=$CONF_DIR
if [ -n "$initial_password" ]; then
    if [ -d "${conf[server.directories.data]}/databases/system" ]; then
        log "the database exists already: NEO4J_AUTH does not change its password"
    else
        # Must run before the first start; the server reads it when it creates the system database.
        java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$HOME_DIR/lib/*" "$ADMIN_CLASS" \
            dbms set-initial-password "$initial_password" >/dev/null \
            || die "setting the initial password failed (java $ADMIN_CLASS dbms set-initial-password)"
        log "initial password set for user neo4j"
    fi
fi
unset NEO4J_AUTH initial_password

# -- readiness probe -------------------------------------------------------------------------------------
bolt_listen=${conf[server.bolt.listen_address]:-:7687}
bolt_port=${bolt_listen##*:}
bolt_host=${bolt_listen%:*}
case "$bolt_host" in ""|0.0.0.0|"[::]"|::) bolt_host=${conf[server.default_listen_address]} ;; esac
case "$bolt_host" in 0.0.0.0|"[::]"|::) bolt_host=127.0.0.1 ;; esac
[[ "$bolt_port" =~ ^[0-9]+$ ]] || die "cannot read a port from server.bolt.listen_address=$bolt_listen"
# With host networking a port in use is another process's: fail now rather than announce a stranger.
if (exec 3<>"/dev/tcp/$bolt_host/$bolt_port") 2>/dev/null; then
    die "$bolt_host:$bolt_port already accepts connections (another server?); set NEO4J_server_bolt_listen__address"
fi
(
    deadline=$((SECONDS + READY_TIMEOUT_S))
    while [ $SECONDS -lt $deadline ]; do
        if (exec 3<>"/dev/tcp/$bolt_host/$bolt_port") 2>/dev/null; then
            log "Remote interface available at bolt://$bolt_host:$bolt_port/ (Bolt accepts connections; mp2v entrypoint)"
            exit 0
        fi
        sleep 0.2
    done
) &

log "starting Neo4j: heap $heap_initial..$heap_max, Bolt on $bolt_host:$bolt_port"
exec java "-Xms$heap_initial" "-Xmx$heap_max" "${JVM_FLAGS[@]}" "${extra_jvm[@]}" \
    -cp "$HOME_DIR/lib/*:$HOME_DIR/plugins/*" "$MAIN_CLASS" \
    "--home-dir=$HOME_DIR" "--config-dir=$CONF_DIR" --console-mode
