#!/usr/bin/env bash
# A 3-node MariaDB Galera cluster on 127.0.0.1, from nothing, for tests and experiments.
#
#   bash scripts/galera-cluster.sh start     # create DIR, bootstrap node 1, join 2 and 3, wait for Synced
#   bash scripts/galera-cluster.sh stop      # SIGKILL every node at once and remove DIR
#   bash scripts/galera-cluster.sh kill N..    # SIGKILL node N (a crash: no shutdown, no flush)
#   bash scripts/galera-cluster.sh restart N.. # recover node N's position, start it (IST), wait for Synced
#   bash scripts/galera-cluster.sh status    # each node's wsrep state, one line each
#   bash scripts/galera-cluster.sh url       # the app's multi-host DATABASE_URL for database "twitapp"
#
# Settings (environment): GALERA_DIR (default /tmp/twitapp-galera), GALERA_PORT (default 3311:
# node N serves SQL on GALERA_PORT+N-1 and uses GALERA_PORT+100+10N.. for gcomm, IST and SST),
# GALERA_SYNC_TIMEOUT (seconds a node may take to reach Synced, default 90).
#
# What matters here, learnt the hard way:
# * every port is set explicitly: Galera's default IST port is the gcomm port + 1, which is
#   the next node's gcomm port when nodes are numbered by one;
# * node 1 bootstraps (--wsrep-new-cluster); the joiners start from a copy of its fresh data
#   directory at the cluster's position 0, so they need an IST of a few events, not an SST
#   (two rsync SSTs from one donor at once would slow each other down);
# * state transfer is rsync (mariabackup is not installed); it needs no SQL account;
# * mariadb-install-db lets root in by socket only: root@127.0.0.1 is created here;
# * evs.keepalive_period must stay below a third of evs.suspect_timeout, or the provider
#   refuses to start with a misleading error;
# * a node killed with SIGKILL and started plainly asks for a full state transfer; recovering
#   its position first (mariadbd --wsrep-recover) and passing --wsrep-start-position gets an
#   incremental one (IST) from the survivors' gcache;
# * mariadbd runs as the mysql user, which must be able to enter DIR (mode 755, not 700).
set -euo pipefail

DIR=${GALERA_DIR:-/tmp/twitapp-galera}
PORT=${GALERA_PORT:-3311}
SYNC_TIMEOUT=${GALERA_SYNC_TIMEOUT:-90}
NODES=(1 2 3)
MARIADBD=${MARIADBD:-/usr/sbin/mariadbd}
PROVIDER=${GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}

# Failure detection. Galera's defaults (suspect 5 s, inactive 15 s) stall every write on the
# survivors for ~6.5 s after a node dies. On loopback a message round trip takes well under
# a millisecond, so these are still generous, but they stay above what a starved 2-core
# machine can produce as a pause (measured: see docs/SCALING.md).
SUSPECT_TIMEOUT=${GALERA_SUSPECT_TIMEOUT:-PT1.5S}
INACTIVE_TIMEOUT=${GALERA_INACTIVE_TIMEOUT:-PT3S}
KEEPALIVE=${GALERA_KEEPALIVE:-PT0.3S}

sql_port() { echo $((PORT + $1 - 1)); }
gcomm_port() { echo $((PORT + 100 + 10 * $1)); }
ist_port() { echo $((PORT + 101 + 10 * $1)); }
sst_port() { echo $((PORT + 102 + 10 * $1)); }
node_dir() { echo "$DIR/node$1"; }
pid_of() { cat "$(node_dir "$1")/mysqld.pid" 2>/dev/null || true; }
say() { echo "galera-cluster: $*" >&2; }

ensure_packages() {
    local missing=()
    [[ -r $PROVIDER ]] || missing+=(galera-4)
    command -v rsync >/dev/null 2>&1 || missing+=(rsync)
    [[ -x $MARIADBD ]] || missing+=(mariadb-server)
    if ((${#missing[@]})); then
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null; }
    fi
}

write_config() {
    local n=$1 dir address=""
    dir=$(node_dir "$n")
    for m in "${NODES[@]}"; do address+="${address:+,}127.0.0.1:$(gcomm_port "$m")"; done
    cat >"$dir/my.cnf" <<EOF
[mysqld]
user=mysql
datadir=$dir/data
port=$(sql_port "$n")
bind-address=127.0.0.1
socket=$dir/mysqld.sock
pid-file=$dir/mysqld.pid
log-error=$dir/error.log
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
# Small: the tests' data is a few MB, and three nodes share a small machine.
innodb-buffer-pool-size=32M
innodb-log-file-size=16M
performance-schema=OFF
# Galera's requirements.
binlog-format=ROW
default-storage-engine=InnoDB
innodb-autoinc-lock-mode=2
# A write is durable once certified: the other nodes hold it. A SIGKILL of mariadbd
# loses nothing either way (the log is in the OS cache); only an OS crash of every node would.
innodb-flush-log-at-trx-commit=2
wsrep-on=ON
wsrep-provider=$PROVIDER
wsrep-cluster-name=twitapp_test
wsrep-cluster-address=gcomm://$address
wsrep-node-name=node$n
wsrep-node-address=127.0.0.1:$(gcomm_port "$n")
wsrep-sst-method=rsync
wsrep-sst-receive-address=127.0.0.1:$(sst_port "$n")
wsrep-slave-threads=2
wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$(gcomm_port "$n");ist.recv_addr=127.0.0.1:$(ist_port "$n");gcache.size=64M;evs.suspect_timeout=$SUSPECT_TIMEOUT;evs.inactive_timeout=$INACTIVE_TIMEOUT;evs.keepalive_period=$KEEPALIVE;evs.inactive_check_period=PT0.2S"
EOF
}

state_of() {  # wsrep_local_state_comment of node $1, or "down"
    mariadb --no-defaults -S "$(node_dir "$1")/mysqld.sock" -uroot -N -B \
        -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2 || true
}

wait_synced() {
    local n=$1 deadline=$((SECONDS + SYNC_TIMEOUT))
    while ((SECONDS < deadline)); do
        if [[ $(state_of "$n") == Synced ]]; then
            return 0
        fi
        sleep 0.2
    done
    say "node $n is not Synced after ${SYNC_TIMEOUT}s; the end of its log:"
    tail -n 30 "$(node_dir "$n")/error.log" >&2 || true
    return 1
}

launch() {  # launch N [extra mariadbd options...]
    local n=$1
    shift
    setsid "$MARIADBD" --defaults-file="$(node_dir "$n")/my.cnf" "$@" </dev/null >/dev/null 2>&1 &
}

start_cluster() {
    ensure_packages
    if [[ -e $DIR ]]; then
        say "$DIR exists: run 'stop' first"
        exit 1
    fi
    mkdir -p "$DIR"
    chmod 755 "$DIR"
    for n in "${NODES[@]}"; do
        mkdir -p "$(node_dir "$n")/data"
        chown -R mysql:mysql "$(node_dir "$n")"
        write_config "$n"
    done
    # System tables are made once, and every node starts from a copy of them: a joiner that
    # is told the cluster's position of that moment asks for the few writes made since
    # (IST, a second) instead of a full rsync of the data directory (SST, 5-15 s each).
    mariadb-install-db --defaults-file="$(node_dir 1)/my.cnf" --skip-test-db \
        --auth-root-authentication-method=socket >"$(node_dir 1)/install.log" 2>&1 \
        || { cat "$(node_dir 1)/install.log" >&2; exit 1; }
    for n in "${NODES[@]:1}"; do
        cp -a "$(node_dir 1)/data/." "$(node_dir "$n")/data/"
    done
    launch 1 --wsrep-new-cluster
    wait_synced 1
    local position
    position=$(mariadb --no-defaults -S "$(node_dir 1)/mysqld.sock" -uroot -N -B -e \
        "SELECT CONCAT(VARIABLE_VALUE, ':0') FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE_UUID'" 2>/dev/null || true)
    mariadb --no-defaults -S "$(node_dir 1)/mysqld.sock" -uroot -e \
        "CREATE USER 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
    # Both joiners at once: an IST is light for the donor (unlike an rsync SST, which would
    # copy the data directory twice in parallel).
    for n in "${NODES[@]:1}"; do
        launch "$n" ${position:+--wsrep-start-position="$position"}
    done
    for n in "${NODES[@]:1}"; do
        wait_synced "$n"
    done
    say "3 nodes Synced on 127.0.0.1:$(sql_port 1),$(sql_port 2),$(sql_port 3) (data in $DIR)"
}

stop_cluster() {
    local pids=()
    for n in "${NODES[@]}"; do
        local pid
        pid=$(pid_of "$n")
        [[ -n $pid ]] && pids+=("$pid")
    done
    # All at once: a node stopped alone would make the others reconfigure for nothing.
    ((${#pids[@]})) && kill -9 "${pids[@]}" 2>/dev/null || true
    for pid in "${pids[@]}"; do
        while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    done
    rm -rf "$DIR"
}

kill_node() {
    local pid
    pid=$(pid_of "$1")
    [[ -n $pid ]] || { say "node $1 is not running"; return 0; }
    kill -9 "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
    rm -f "$(node_dir "$1")/mysqld.pid"
}

restart_nodes() {
    # All named nodes start at once: after a loss of quorum the cluster re-forms only when
    # every member of the last primary component is back (pc.recovery), so waiting for the
    # first one alone would wait forever.
    local n log position
    for n in "$@"; do
        log=$(node_dir "$n")/recover.log
        # Where this node's InnoDB stopped, so it asks the others for the missing writes only.
        "$MARIADBD" --defaults-file="$(node_dir "$n")/my.cnf" --wsrep-recover --log-error="$log" >/dev/null 2>&1 || true
        position=$(sed -n 's/.*WSREP: Recovered position: *\([^ ]*\).*/\1/p' "$log" | tail -n 1)
        if [[ -n $position ]]; then
            launch "$n" --wsrep-start-position="$position"
        else
            launch "$n"
        fi
    done
    for n in "$@"; do
        wait_synced "$n"
    done
}

status() {
    for n in "${NODES[@]}"; do
        echo "node$n 127.0.0.1:$(sql_port "$n") pid=$(pid_of "$n") state=$(state_of "$n")"
    done
}

case ${1:-} in
    start) start_cluster ;;
    stop) stop_cluster ;;
    kill) shift; for n in "${@:?node number}"; do kill_node "$n"; done ;;
    restart) shift; restart_nodes "${@:?node number}" ;;
    status) status ;;
    url) echo "mysql://root:@127.0.0.1:$(sql_port 1),127.0.0.1:$(sql_port 2),127.0.0.1:$(sql_port 3)/twitapp" ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
