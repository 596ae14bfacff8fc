#!/usr/bin/env bash
# dbus-run-session's bus daemon with its stderr (and that of every service it activates) sent to a log.
exec dbus-daemon "$@" 2>>"${D365DESK_DBUS_LOG:-/dev/null}"
