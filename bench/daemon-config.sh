# Sourced by the bench scripts: the daemon's configuration as the idle benchmark runs it (the runbook's
# daily schedule, metrics textfile, console logs, control socket), so that what bench/layout/record.sh
# records is the daemon bench/idle/run.sh measures.
# daemon_config ENDPOINT WORKDIR: prints it, with its files under WORKDIR (WORKDIR/snapshots must exist).
daemon_config() {
  cat <<JSON
{ "Etcd": { "Endpoints": ["$1"] },
  "Snapshots": { "Directory": "$2/snapshots", "Schedules": ["0 5 * * *"] },
  "Metrics": { "TextfilePath": "$2/etcd_backupd.prom" },
  "Logging": { "Target": "console" },
  "Control": { "SocketPath": "$2/control.sock" } }
JSON
}
