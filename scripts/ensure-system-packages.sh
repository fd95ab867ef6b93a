#!/usr/bin/env bash
# Make sure the system programs the project runs are present.
# Usage: ensure-system-packages.sh COMMAND=DEBIAN_PACKAGE ...
# A missing command is installed with apt-get when running as root;
# otherwise the script stops with one line naming the package to install.
set -euo pipefail

missing=()
for pair in "$@"; do
    command_name=${pair%%=*}
    package=${pair#*=}
    if ! command -v "$command_name" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$command_name" ]; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    exit 0
fi

echo "Missing system packages: please install them first: sudo apt-get install ${missing[*]}" >&2
exit 1
