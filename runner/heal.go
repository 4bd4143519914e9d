package runner

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/faultline/faultline/nemesis/ledger"
)

// claimAndHeal takes the run's nodes in the fault ledger (refused, naming
// the other run, if a live run holds any of them) and heals what dead runs
// left on them, before anything else touches the nodes: a partition left
// by a killed run would otherwise break the database setup. It returns the
// claim, which the run releases when it is done with the nodes.
func (c *cluster) claimAndHeal(ctx context.Context, l *ledger.Ledger, runDir string, log *slog.Logger) (*ledger.Claim, error) {
	claim, err := l.ClaimNodes(ctx, runDir, c.nodes())
	if err != nil {
		return nil, err
	}
	healed, err := claim.Heal(ctx, c.nodes())
	for _, f := range healed {
		log.Warn("healed a leftover of an earlier run", "node", f.Node, "what", f.What, "detail", f.Detail)
	}
	if err != nil {
		return claim, fmt.Errorf("healing what earlier runs left: %w", err)
	}
	log.Info("nodes claimed and healed", "ledger", l.Dir, "leftovers", len(healed))
	return claim, nil
}
