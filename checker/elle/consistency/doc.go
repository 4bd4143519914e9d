// Package consistency is the vocabulary of the Elle checker, after Elle's
// elle.consistency-model: the names of the anomalies it reports and of
// every anomaly and consistency model Elle knows, which anomaly implies
// which (a G0 cycle is also a G1c cycle; a cycle found without process
// edges is also one with them allowed; a future read is a G1c), and the
// lattice of models with the anomalies each forbids. From a set of found
// anomalies it tells which models are ruled out (RuledOut), and from a
// request (Require) which anomalies make a history invalid and which of
// them the analysis cannot check.
//
// Some of Elle's anomalies are never reported by these names, because
// Adya states them over things client histories do not show (start and
// commit points, the reads inside a transaction, predicates). Each says
// how it is seen instead (How): caught as reported anomalies that every
// instance shows as (a G-cursor is a G-single-item), or unobservable. A
// forbidden anomaly is checked only when every name it is caught as is
// forbidden too; otherwise it is reported as not checked, never as
// satisfied. The package is data and set arithmetic only, so a reader can
// audit the claims in one place; docs/elle-names.md is generated from it.
package consistency
