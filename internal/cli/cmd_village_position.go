package cli

import (
	"context"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

func init() {
	register(&command{
		name:    "village position",
		args:    "VILLAGE_ID ACCOUNT|PROPOSAL agree|disagree|abstain|block [--reason TEXT]",
		summary: "take a position on an invitation (the invitee's acc_…) or an exclusion proposal (ent_…)",
		help: "The charter's rule counts your latest position: agree endorses (as 'kith village invite'\n" +
			"or a vote for), disagree, abstain, or block with --reason (a rule such as \"2/3 no-block\"\n" +
			"admits or excludes nobody while a block stands).",
		flags: strFlag("reason", "why (shown to the other locals; a block needs one)"),
		run:   runVillagePosition,
	})
}

func runVillagePosition(ctx context.Context, c *call) error {
	if err := c.wantArgs(3, 3); err != nil {
		return err
	}
	id, err := villageArg(c.args[0])
	if err != nil {
		return err
	}
	req := wire.VillagePosition{Position: c.args[2], Reason: c.str("reason")}
	switch req.Position {
	case "agree", "disagree", "abstain":
	case "block":
		if req.Reason == "" {
			return usagef("block: give --reason: the other locals read why")
		}
	default:
		return usagef("position: %q is not agree, disagree, abstain or block", short(req.Position))
	}
	if _, err := identity.ParseAccount(c.args[1]); err == nil {
		req.Invitee = c.args[1]
	} else if pid, err := entry.ParseID(c.args[1]); err == nil {
		req.Proposal = pid.String()
	} else {
		return usagef("%q is neither an invitee's account (acc_…) nor an exclusion proposal (ent_…, as 'kith village show' lists them)", short(c.args[1]))
	}
	return c.villageEntry(id, func(b backend) (wire.VillageEntry, error) {
		return b.TakeVillagePosition(ctx, id, req)
	})
}
