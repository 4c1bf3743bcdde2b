#!/bin/sh
# Regenerate the x86emu/alu golden vectors by executing the instructions natively on this machine's CPU.
# The committed fixtures were recorded on the reference CPU (AMD EPYC); regenerating on another CPU
# (notably Intel) changes the undefined-flag bits and the vector tests will then (correctly) fail.
# Usage: tools/cpu-vectors/generate.sh [output-dir]   (default: test/fixtures/alu-vectors)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-"$root/test/fixtures/alu-vectors"}
case "$(uname -m)" in x86_64) ;; *) echo "generate.sh: needs an x86_64 host" >&2; exit 1 ;; esac
model=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true)
case "$model" in *AMD*) ;; *) echo "generate.sh: warning: host CPU is '$model', not the AMD reference CPU" >&2 ;; esac
# (LZCNT support is checked by the generator itself: without ABM the encoding silently executes as BSR.)
for f in bmi1 popcnt; do
  grep -qw "$f" /proc/cpuinfo || { echo "generate.sh: CPU lacks $f" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# -mno-red-zone: the inline asm uses pushf/popf below the stack pointer
${CC:-gcc} -O1 -Wall -Wextra -Werror -mno-red-zone -o "$tmp/vectors" "$here/vectors.c"
mkdir -p "$out"
"$tmp/vectors" "$out"
echo "CPU: $model"
wc -l "$out"/*.txt
du -ch "$out"/*.txt | tail -1
