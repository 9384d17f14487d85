# Sourced by bin/timens and bin/build: finds a JDK 25 or newer and sets TIMENS_JAVA_HOME.
# Order: $JAVA_HOME, then the usual install locations. Prints why on failure.

timens_java_version() {
    # The feature version of the JDK at $1 (25 for "25.0.3") into timens_version,
    # or nothing. Read by the shell itself: bin/timens pays no process for it.
    local line
    timens_version=
    [ -r "$1/release" ] || return 1
    while IFS= read -r line; do
        case $line in
            JAVA_VERSION=\"*)
                line=${line#JAVA_VERSION=\"}
                timens_version=${line%%[!0-9]*}
                return 0 ;;
        esac
    done < "$1/release"
}

timens_find_jdk() {
    local candidate version
    for candidate in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* \
            "$HOME"/.sdkman/candidates/java/*; do
        [ -x "$candidate/bin/java" ] || continue
        timens_java_version "$candidate" || continue
        version=$timens_version
        if [ -n "$version" ] && [ "$version" -ge 25 ]; then
            TIMENS_JAVA_HOME=$candidate
            return 0
        fi
    done
    echo "timens: no JDK 25 or newer found (looked at \$JAVA_HOME, /usr/lib/jvm, /usr/local/lib/jvm, /opt);" \
         "install one or point JAVA_HOME at it" >&2
    return 1
}
