#!/usr/bin/env bash
# Installs the Debian packages dpstore needs (only those missing).
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config
      libzstd-dev liblz4-dev libxxhash-dev libyaml-dev libflatbuffers-dev flatbuffers-compiler
      libboost-dev libtbb-dev libgtest-dev libgmock-dev libbenchmark-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
