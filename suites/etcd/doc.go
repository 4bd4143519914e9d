// Package etcd is Faultline's etcd suite, and the example to copy when
// writing a suite for another database: a DB that installs, starts, kills,
// pauses and wipes etcd on every node (db.go), a client on the official
// go.etcd.io/etcd/client/v3 whose error handling decides which failures are
// definite and which leave the outcome unknown (client.go, errors.go), the
// workloads' clients (register, set, append, wr: one file each), the faults
// (faults.go: nemesis/combined plus a leader partition) and the suite that ties them to the command line (suite.go):
//
//	faultline etcd test --workload register --nemesis partition,kill --time-limit 60
//
// With no --nodes, the suite runs on the local cluster (localcluster) with
// the etcd binary the host already has (Debian's etcd-server, 3.4); with
// --nodes it reaches real machines over SSH and installs an official release
// there (--version, --tarball-url).
//
// Addresses: node names need not resolve on the control machine (the local
// cluster's don't). DB setup asks each node for every node's IPv4 address
// and records them in an AddrBook that the clients and the primaries lookup
// share.
package etcd
