# Sourced by the scripts that start a scratch PostgreSQL on a port of their own (replica.sh, and
# deploy/postgres/restore-check.sh), and by fuzz.sh for its server's: a port is free only if no TCP socket holds it.
#
# Whether any TCP socket holds the port: a listener, or the local end of a connection. A connection's local
# end is not seen by trying to connect to the port, and PostgreSQL cannot bind a port one holds: ports were
# picked in Linux's range for such ends (32768-60999), and a test suite full of connections took one. A
# socket in TIME_WAIT (state 06) does not count: PostgreSQL binds over it, as it does when it restarts on
# its own port after closing its connections.
port_taken() {  # port
  local hex
  hex=$(printf ':%04X' "$1")
  awk -v h="$hex" 'FNR > 1 && $4 != "06" && substr($2, length($2) - 4) == h { found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# A port from FIRST to FIRST+COUNT-1 held by no socket (fails after 100 tries). Keep the range below the one
# the system hands out for connections' local ends, and apart from the other scripts' ranges: two scripts
# running at once must not pick the same port before either binds it.
free_port() {  # first count
  local p
  for _ in $(seq 1 100); do
    p=$(($1 + RANDOM % $2))
    if ! port_taken "$p"; then echo "$p"; return 0; fi
  done
  return 1
}
