#!/usr/bin/env bash
# Builds the Java client: Maven resolves com.larksuite.oapi:oapi-sdk:2.5.3 (pinned in pom.xml) from
# Maven Central into ~/.m2, compiles both programs to target/classes and, in the package phase,
# copies the runtime dependencies to target/dependency/ (maven-dependency-plugin copy-dependencies).
# Idempotent: a second run finds everything in ~/.m2 and target/ and only re-checks it.
set -euo pipefail
cd "$(dirname "$0")"
echo "java: $(java -version 2>&1 | head -1)"
echo "maven: $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g')"
echo "building (mvn package: resolves oapi-sdk 2.5.3, compiles, copies dependencies to target/dependency/) ..."
mvn -q -B -Dstyle.color=never package -DskipTests 2>&1 | sed "s/\x1b\[[0-9;]*m//g"
n=$(ls target/dependency/*.jar | wc -l)
ls target/dependency/oapi-sdk-2.5.3.jar >/dev/null
echo "built target/classes and target/dependency/ (${n} jars)"
