#!/usr/bin/env bash
# DeployedOperatorBenchmark: the shipped operator jar in its own JVM (the Dockerfile's flags, the chart's
# env and RBAC) against the real API server that ./build/test.sh installed. Not a test: it prints numbers.
# Options are system properties, passed through, e.g.
#   ./build/bench-deployed.sh -Dbench.tokens=1000 -Dbench.bursts=2 -Dbench.ceiling=0 -Dbench.restart.tokens=10000
# (all of them: docs/PERFORMANCE.md, "Commands").
set -euo pipefail
cd "$(dirname "$0")/.."
modules=format,verifier,http,operator
mvn -B -q -o -pl "$modules" package -DskipTests
mvn -B -q -o -pl "$modules" test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
classes=operator/target/test-classes:operator/target/classes:verifier/target/classes
classes=$classes:format/target/classes:http/target/classes
exec java -Drepo.root="$PWD" -Dshipped.jar=operator/target/apitoken-operator.jar "$@" \
  -cp "$classes:$(cat operator/target/bench.cp)" dev.apitoken.operator.bench.DeployedOperatorBenchmark
