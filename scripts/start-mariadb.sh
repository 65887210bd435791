#!/usr/bin/env bash
# Make sure a MariaDB server answers at 127.0.0.1:3306 with root and an empty password.
#
# Idempotent: a server that already answers is left alone. Otherwise the package is
# installed when missing, the server started as the mysql user (mariadbd refuses root),
# and root given password login on loopback (a fresh Debian install allows root over
# the socket only). The tests then make a database of their own per run.
set -euo pipefail

ping_tcp() { mariadb-admin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1; }

if command -v mariadb-admin >/dev/null 2>&1 && ping_tcp; then
    exit 0
fi

if ! command -v mariadbd >/dev/null 2>&1 && [[ ! -x /usr/sbin/mariadbd ]]; then
    echo "start-mariadb: installing mariadb-server" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq mariadb-server >/dev/null
fi

if ! mariadb-admin ping >/dev/null 2>&1; then
    echo "start-mariadb: starting mariadbd" >&2
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
    for _ in $(seq 1 60); do
        mariadb-admin ping >/dev/null 2>&1 && break
        sleep 0.5
    done
fi

if ! ping_tcp; then
    # Root may log in by socket only: allow the empty password too, as the tests expect.
    mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;" || true
fi

if ! ping_tcp; then
    echo "start-mariadb: MariaDB does not answer on 127.0.0.1:3306" >&2
    exit 1
fi
