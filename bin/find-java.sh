# Sourced by mvnw, bin/jray and .ci/run: sets JAVA_HOME to a JDK >= 25.
# Order: JAVA_HOME, then the java on PATH, then /usr/lib/jvm/*. Exits with a clear message when none fits.
# With JRAY_RUNTIME_ONLY=1 (bin/jray, which builds through mvnw and so never compiles itself) a
# runtime without javac is enough, such as the jlinked JRE of the Docker image.
jray_java_major() {
  # prints the major version of the java binary $1 (e.g. 25), or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}
jray_find_java() {
  local min=25 cand v
  local candidates="${JAVA_HOME:-}"
  if command -v java >/dev/null 2>&1; then
    candidates="$candidates
$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  fi
  # find, not a glob: mvnw runs with globbing off (set -f)
  candidates="$candidates
$(find /usr/lib/jvm -mindepth 1 -maxdepth 1 2>/dev/null | sort -r)"
  local IFS='
'
  for cand in $candidates; do
    [ -x "$cand/bin/java" ] || continue
    [ "${JRAY_RUNTIME_ONLY:-0}" = 1 ] || [ -x "$cand/bin/javac" ] || continue
    v=$(jray_java_major "$cand/bin/java")
    if [ -n "$v" ] && [ "$v" -ge "$min" ]; then
      export JAVA_HOME="$cand"
      return 0
    fi
  done
  echo "JRay needs a JDK $min or newer and found none." >&2
  echo "Looked at: JAVA_HOME=${JAVA_HOME:-<unset>}, the java on PATH, and /usr/lib/jvm/*." >&2
  echo "Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}
jray_find_java || exit 1
