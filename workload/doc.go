// Package workload is the home of reusable workloads: each sub-package pairs
// the op shapes a database client must perform with the generator that
// schedules them and the checker that judges the history, so that a suite
// for a new database writes only its client:
//
//   - register: reads, writes and compare-and-set on independent keys,
//     checked for linearizability per key.
//   - set: unique adds and whole-set reads, checked with set-full.
//   - txn: Elle transactions, list-append or rw-register.
//
// Like the checkers, workloads are pure: no I/O, no clocks, no network.
package workload
