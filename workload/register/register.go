// Package register is the linearizable-register workload (Jepsen's etcd
// "register"): each client thread reads, writes or compare-and-sets a
// register, and the registers are independent keys, so that each key's
// short history can be checked for linearizability on its own.
//
// Op shapes (values wrapped as [key value] tuples, history.TupleKey):
//
//	read  [k nil]      ok value [k v], v nil when the key was never written
//	write [k v]        v a small integer
//	cas   [k [old new]] ok only if the register held old; a compare that
//	                   found another value is a definite fail
//
// The checker is the cas-register model of checker/linear, applied per key by
// checker/independent. A client that reads with a weaker consistency (a
// serializable, possibly stale, read) shows up as a non-linearizable key.
package register

import (
	"github.com/faultline/faultline/checker"
	indchecker "github.com/faultline/faultline/checker/independent"
	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/generator/independent"
)

// Fs of the register workload.
const (
	Read  = "read"
	Write = "write"
	CAS   = "cas"
)

// Options shape the generator.
type Options struct {
	// ThreadsPerKey is how many client threads share a key at once (Jepsen
	// uses 2 x nodes); the concurrency must be a multiple of it. With a
	// multiple of the node count, every key is read and written through
	// every node.
	ThreadsPerKey int
	// OpsPerKey bounds the ops on one key before its threads move on to a
	// fresh key, which keeps each key's linearizability search small.
	// Zero means 200.
	OpsPerKey int
	// Values is how many distinct values writes and cas draw from (0..Values-1).
	// Zero means 5: few values make cas succeed often and stale reads visible.
	Values int
}

func (o Options) withDefaults() Options {
	if o.ThreadsPerKey <= 0 {
		o.ThreadsPerKey = 1
	}
	if o.OpsPerKey <= 0 {
		o.OpsPerKey = 200
	}
	if o.Values <= 0 {
		o.Values = 5
	}
	return o
}

// Generator is the endless client schedule: on each key, a random mix of
// reads, writes and cas (in equal shares), OpsPerKey ops, then the next
// key. Cut it with generator.TimeLimit.
func Generator(o Options) generator.Generator {
	o = o.withDefaults()
	return independent.Concurrent(o.ThreadsPerKey, independent.Naturals(), func(any) generator.Generator {
		return generator.Limit(o.OpsPerKey, Ops(o.Values))
	})
}

// Ops is the endless mix of reads, writes and cas on one register, with
// values drawn from 0..values-1.
func Ops(values int) generator.Generator {
	reads := generator.Repeat(generator.Invoke(Read, nil))
	writes := generator.Func(func(ctx *generator.Context) generator.Generator {
		return generator.Invoke(Write, int64(ctx.Rand.IntN(values)))
	})
	cases := generator.Func(func(ctx *generator.Context) generator.Generator {
		return generator.Invoke(CAS, []any{int64(ctx.Rand.IntN(values)), int64(ctx.Rand.IntN(values))})
	})
	return generator.Mix(reads, writes, cases)
}

// Checker checks every key's history against a cas-register that starts
// unset (nil).
func Checker() checker.Checker {
	return indchecker.Checker(linear.New(model.CASRegister(nil), linear.Options{}), indchecker.Options{})
}
