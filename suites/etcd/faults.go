package etcd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/nemesis/combined"
	"github.com/faultline/faultline/nemesis/grudge"
	"github.com/faultline/faultline/nemesis/partition"
)

// FaultPartitionLeader is the suite's one fault of its own on top of
// nemesis/combined's (partition, kill, pause, packet, clock, ...): a
// partition that always cuts the current leader off from every other node
// (grudge "primaries", the leader found through DB.Primaries). It is the
// fault that exposes stale serializable reads.
const FaultPartitionLeader = "partition-leader"

// BuildFaults turns the faults o names (its Faults, with the interval,
// targets and seed of suite.Options.CombinedOptions) into
// nemesis/combined's package: the nemesis, its schedule (each fault
// switched on and off about every interval) and the final healing ops. No
// names: no faults. partition-leader becomes combined's partition with the
// one shape primaries.
//
// partition-leader alone keeps a fixed rhythm instead of combined's random
// one: interval healed, then interval with the leader cut off, over and
// over. Stale reads on the old leader show only once the majority has
// elected a new leader and written through it (a second or two into the
// partition), so a partition as short as a random schedule may make it
// would often show nothing.
func BuildFaults(o combined.Options) (combined.Package, error) {
	if o.Interval <= 0 {
		o.Interval = combined.DefaultInterval
	}
	names := o.Faults
	o.Faults = nil
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name != FaultPartitionLeader {
			o.Faults = append(o.Faults, name)
			continue
		}
		if slices.Contains(names, combined.Partition) {
			return combined.Package{}, fmt.Errorf("--nemesis: %s and %s both partition the network: name one", combined.Partition, FaultPartitionLeader)
		}
		o.Faults = append(o.Faults, combined.Partition)
		o.Shapes = []grudge.Shape{grudge.ShapePrimaries}
	}
	p, err := combined.New(o)
	if err != nil {
		return combined.Package{}, fmt.Errorf("--nemesis: %w", err)
	}
	if len(names) == 1 && names[0] == FaultPartitionLeader {
		p.Generator = generator.Nemesis(generator.Cycle(generator.Seq(
			generator.SleepFor(o.Interval), generator.Invoke(partition.Start, nil),
			generator.SleepFor(o.Interval), generator.Invoke(partition.Stop, nil))))
	}
	return p, nil
}
