// Package chaos holds the chaos test of the harness itself (chaos_test.go):
// `faultline etcd test` runs as a subprocess on a local cluster and is
// killed with SIGKILL at chosen moments (during setup, while each kind of
// fault this machine can run is in effect, during teardown, during the
// check); every next run must start on healed nodes and end valid, and
// every killed run's history must load with analyze. It has no code of its
// own outside the test.
package chaos
