#!/usr/bin/env bash
# Sustained audit journal throughput with group commit (JMH, loadtests/jmh/JournalBenchmark):
#
#   loadtests/run-journal-bench.sh [extra JMH options]
#
# Builds nothing: run 'mvn -B -DskipTests package' first. Holds the shared Maven lock while it runs,
# so that no build competes with it for the two cores.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JMH="$ROOT/loadtests/jmh/target"
[[ -f "$JMH/classpath.txt" && -d "$JMH/classes/META-INF" ]] || { echo "build first: mvn -B -DskipTests package" >&2; exit 1; }
RUN="$ROOT/loadtests/work/journal-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$RUN"
flock /tmp/portcullis-mvn.lock java -cp "$JMH/classes:$(cat "$JMH/classpath.txt")" org.openjdk.jmh.Main \
  JournalBenchmark -rf json -rff "$RUN/jmh.json" "$@" | tee "$RUN/jmh.txt"
echo "results: $RUN" >&2
