# Shell helpers for the handshake tests: free ports, servers started and
# stopped by PID, and assertions that name the case. Source it.

failures=0
server_pids=()

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

pass() {
    echo "ok: $*"
}

# Prints a TCP port on 127.0.0.1 that was free a moment ago.
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_for_text FILE TEXT: waits up to 10 s until FILE contains TEXT.
wait_for_text() {
    local i
    for i in $(seq 100); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# wait_for_listen PORT: waits up to 10 s until a socket listens on PORT.
wait_for_listen() {
    local i
    for i in $(seq 100); do
        ss -Hltn "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    return 1
}

# start_server LOG COMMAND ARGS...: runs the command in the background
# with stderr and stdout in LOG and records its PID in server_pid.
start_server() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 &
    server_pid=$!
    server_pids+=("$server_pid")
}

stop_server() {
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

stop_all_servers() {
    local pid
    for pid in "${server_pids[@]}"; do
        stop_server "$pid"
    done
}

# expect_exit CASE EXPECTED ACTUAL
expect_exit() {
    if [ "$3" -eq "$2" ]; then
        pass "$1: exit $3"
    else
        fail "$1: exit $3, expected $2"
    fi
}

# expect_text CASE FILE TEXT
expect_text() {
    if grep -q -- "$3" "$2"; then
        pass "$1: found '$3'"
    else
        fail "$1: '$3' not in output:"
        sed 's/^/    /' "$2" >&2
    fi
}

# expect_log CASE FILE TEXT: like expect_text, but waits up to 10 s, since
# a server logs a connection after the client has gone.
expect_log() {
    if wait_for_text "$2" "$3"; then
        pass "$1: logged '$3'"
    else
        fail "$1: '$3' not logged:"
        sed 's/^/    /' "$2" >&2
    fi
}

finish() {
    stop_all_servers
    if [ "$failures" -gt 0 ]; then
        echo "$failures check(s) failed" >&2
        exit 1
    fi
    echo "all checks passed"
}
