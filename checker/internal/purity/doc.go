// Package purity holds only a test: it keeps the classic checkers in the
// pure zone, where a checker never imports os/exec, net, control, store, web
// or cli (DESIGN.md). logpattern reads files and may use os, nothing more.
package purity
