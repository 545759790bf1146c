#!/bin/sh
# Entrypoint of the compose stack's alertmanager service: writes alertmanager.yml with ALERT_WEBHOOK_URL in place
# of __ALERT_WEBHOOK_URL__, then runs Alertmanager on it (exec: it gets SIGTERM directly). infra/tests runs this
# same script with Debian's prometheus-alertmanager (AM_BIN) to deliver a firing alert to a local webhook.
set -eu
in="${AM_TEMPLATE:-/etc/alertmanager/alertmanager.yml.in}"
out="${AM_CONFIG:-/alertmanager/alertmanager.yml}"
: "${ALERT_WEBHOOK_URL:?ALERT_WEBHOOK_URL is not set (infra/compose/.env)}"
# In a sed replacement \, & and the | delimiter are special: escape them (URLs carry & in their query).
url=$(printf '%s' "$ALERT_WEBHOOK_URL" | sed 's/[\\&|]/\\&/g')
umask 077
sed "s|__ALERT_WEBHOOK_URL__|$url|" "$in" >"$out"
exec "${AM_BIN:-/bin/alertmanager}" --config.file="$out" "$@"
