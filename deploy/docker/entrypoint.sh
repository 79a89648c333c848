#!/bin/sh
# Container entry point: the README's command, nothing more. With no arguments the appliance serves (HTTP 8080,
# health, metrics, MQTT); arguments are passed through, so `docker run IMAGE inspect --help` runs a one-shot command.
# JAVA_OPTS comes from the image (Dockerfile ENV) or the orchestrator; it is split into words on purpose.
set -eu
# shellcheck disable=SC2086
exec java $JAVA_OPTS -jar /opt/appliance/quarkus-app/quarkus-run.jar "$@"
