# Sourced by bin/timens and bin/build: finds a JDK 25 or newer and sets TIMENS_JAVA_HOME.
# Order: $JAVA_HOME, then the usual install locations. Prints why on failure.

timens_java_version() {
    # The feature version of the JDK at $1 (25 for "25.0.3"), or nothing.
    local release="$1/release"
    [ -r "$release" ] || return 1
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release"
}

timens_find_jdk() {
    local candidate version
    for candidate in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* \
            "$HOME"/.sdkman/candidates/java/*; do
        [ -x "$candidate/bin/java" ] || continue
        version=$(timens_java_version "$candidate") || continue
        if [ -n "$version" ] && [ "$version" -ge 25 ]; then
            TIMENS_JAVA_HOME=$candidate
            return 0
        fi
    done
    echo "timens: no JDK 25 or newer found (looked at \$JAVA_HOME, /usr/lib/jvm, /usr/local/lib/jvm, /opt);" \
         "install one or point JAVA_HOME at it" >&2
    return 1
}
