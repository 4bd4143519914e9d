// Package realcluster holds only tests: the runner and the CLI driving a real
// local cluster (Linux namespaces, each node with its own sshd) over the real
// SSH and SFTP remote, so that setup, barriers, log collection and teardown
// are shown to work on machines, not only on the in-process fake.
package realcluster
