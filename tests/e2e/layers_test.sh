#!/usr/bin/env bash
# The library's layers depend one way: a header or source of a layer includes only paraflow
# headers of its own layer or of the layers before it (docs/library.md draws them).
set -euo pipefail
root=$1
layers=(core io problems parallel algorithms driver)
rank() { local i; for i in "${!layers[@]}"; do [ "${layers[$i]}" = "$1" ] && echo "$i" && return; done; echo -1; }
bad=0 checked=0
for layer in "${layers[@]}"; do
  for file in "$root/include/paraflow/$layer"/*.hpp "$root/src/$layer"/*.cpp; do
    [ -e "$file" ] || continue
    checked=$((checked + 1))
    while read -r used; do
      if [ "$(rank "$used")" -lt 0 ] || [ "$(rank "$used")" -gt "$(rank "$layer")" ]; then
        echo "layer $layer: ${file#"$root"/} includes paraflow/$used/"
        bad=$((bad + 1))
      fi
    done < <(sed -n 's|^#include "paraflow/\([a-z_]*\)/.*|\1|p' "$file")
  done
done
[ "$checked" -gt 30 ] || { echo "only $checked files found under $root"; exit 1; }
[ "$bad" -eq 0 ] || { echo "$bad includes against the layer order ${layers[*]}"; exit 1; }
echo "ok: $checked files, includes follow ${layers[*]}"
