# Shared by fuzz/smoke and fuzz/campaign (sourced, not run).

# Prints "<executions> <cov> <ft> <seconds> <crashed 0|1>" from a libFuzzer log
# (run with -print_final_stats=1).
fuzz_stats() {
  local log="$1"
  local execs cov ft secs crashed=0
  execs="$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)"
  cov="$(grep -oE '(cov|DONE|pulse|NEW|REDUCE|INITED).* cov: [0-9]+' "$log" | grep -oE 'cov: [0-9]+' | tail -1 | grep -oE '[0-9]+' || true)"
  ft="$(grep -oE ' ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)"
  secs="$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)"
  if grep -qE 'ERROR: libFuzzer|panicked at|SUMMARY: libFuzzer' "$log"; then crashed=1; fi
  echo "${execs:-0} ${cov:-0} ${ft:-0} ${secs:-?} $crashed"
}
