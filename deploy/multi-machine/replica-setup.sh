#!/bin/sh
# db2: make this machine a streaming replica of db1 (run as root, once). See README.md in this folder.
set -eu
PRIMARY=${PRIMARY:-10.0.0.20}
VERSION=$(ls /etc/postgresql | sort -n | tail -1)
DATA=/var/lib/postgresql/$VERSION/main
systemctl stop postgresql
rm -rf "$DATA"
# -R writes standby.signal and the primary's address; the password is asked for (or taken from ~/.pgpass).
sudo -u postgres pg_basebackup -h "$PRIMARY" -U replicator -D "$DATA" -R -X stream -P
# This machine's own settings (pg_basebackup copies the data, not Debian's /etc/postgresql): the app servers
# may connect, and long reads here (open data exports) keep the primary from removing rows they still see.
cat > /etc/postgresql/$VERSION/main/conf.d/minyi-replica.conf <<CONF
listen_addresses = '*'
hot_standby = on
hot_standby_feedback = on
CONF
echo "host    minyi    minyi    10.0.0.0/24    scram-sha-256" >> /etc/postgresql/$VERSION/main/pg_hba.conf
systemctl start postgresql
sudo -u postgres psql -c "SELECT pg_is_in_recovery();"   # t: it is a replica
