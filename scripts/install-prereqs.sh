#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo need when they are missing, and starts the
# local MariaDB and RabbitMQ when they do not answer (as on a fresh machine). Needs root for
# installing and starting; does nothing when everything is there already.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have openssl || need+=(openssl)
have git || need+=(git)
have ip || need+=(iproute2)
have ovs-vsctl || need+=(openvswitch-switch)
have busybox || need+=(busybox)
have ethtool || need+=(ethtool)
have faketime || need+=(faketime)  # libfaketime: the clock-jump chaos test moves one northd's clock
have mariadbd || have mysqld || need+=(mariadb-server)
have rabbitmq-server || [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
have promtool || need+=(prometheus)
have amtool || need+=(prometheus-alertmanager)
have prometheus-mysqld-exporter || need+=(prometheus-mysqld-exporter)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "missing: ${need[*]} (install them, or run as root)" >&2; exit 1; fi
  echo "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian starts the OVS service on install; tests run their own private switches. Where
  # systemd runs, it also starts Prometheus, Alertmanager and mysqld_exporter on their standard
  # ports; the tests and the demo run private instances on free ports and leave those alone.
fi

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 120); do answers "$1" && return 0; sleep 0.5; done
  echo "$2 does not answer on port $1" >&2; return 1
}
if [ -z "${MYSQL_URL:-}" ] && ! answers 3306 && [ "$(id -u)" -eq 0 ]; then
  echo "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec "$(command -v mariadbd || command -v mysqld)"
  wait_port 3306 MariaDB
fi
if [ -z "${AMQP_URL:-}" ] && ! answers 5672 && [ "$(id -u)" -eq 0 ]; then
  echo "starting RabbitMQ"
  rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_port 5672 RabbitMQ
fi
# RabbitMQ's own Prometheus endpoint (port 15692), which the monitoring of the local region and
# the RabbitMQ dashboard read. Enabling an enabled plugin changes nothing; skip the slow CLI then.
if [ -z "${AMQP_URL:-}" ] && answers 5672 && ! answers 15692 && [ "$(id -u)" -eq 0 ]; then
  echo "enabling RabbitMQ's Prometheus plugin"
  rabbitmq-plugins enable rabbitmq_prometheus >/dev/null
  wait_port 15692 "RabbitMQ's Prometheus endpoint"
fi
