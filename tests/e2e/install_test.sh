#!/usr/bin/env bash
# The installed package is consumable: install into a temporary prefix, build example 01 as an
# outside project with find_package(ParaFlow), run it; the installed `paraflow table` reads the
# installed paper_tables.csv.  usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
mkdir "$work/consumer"
cat >"$work/consumer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(consumer C CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(ParaFlow 0.1 REQUIRED)
add_executable(consumer $source/apps/02-own-problem/main.cpp)
target_link_libraries(consumer PRIVATE paraflow::paraflow)
CMAKE
cmake -S "$work/consumer" -B "$work/consumer/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer/build" >/dev/null
"$work/consumer/build/consumer"
test -x "$work/prefix/bin/paraflow"
# `paraflow table` finds the paper's values installed beside it, not in the source tree.
csv=$(readlink -f "$work/prefix/share/paraflow/paper_tables.csv")
cmp "$csv" "$source/docs/paper_tables.csv"
(cd "$work" && prefix/bin/paraflow table --table 1 --batch-sizes 10 --etas 0.1 --budgets 1e4 \
   --nfs 10 --output t1 >/dev/null)
# The footer shows it relative to the working directory ($work).
grep -q "paper values prefix/share/paraflow/paper_tables.csv\." "$work/t1.md" || {
  echo "installed paraflow table did not read $csv: $(grep -o 'paper values [^;]*' "$work/t1.md")"
  exit 1
}
grep -q ',0.0884,' "$work/t1.csv"
echo "ok: installed paraflow table reads $csv"
echo "ok: installed package consumed by an outside project"
