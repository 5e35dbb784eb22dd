package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/client"
	"github.com/kithnet/kith/internal/api/wire"
)

// backend is what the commands that work with or without a running node
// call. Two implementations satisfy it with the same signatures:
// *api.Service, over a node this process opened, and *client.Client, over
// the API of the node running on the home. A command has one code path
// and prints the same output through either.
type backend interface {
	Identity(ctx context.Context) (wire.Identity, error)
	Entries(ctx context.Context, q wire.EntriesQuery) (wire.EntryPage, error)
	Entry(ctx context.Context, id string) (wire.Entry, error)
	RawEntry(ctx context.Context, id string) (wire.RawEntry, error)
	DeleteEntry(ctx context.Context, id string) (wire.Deleted, error)
	Post(ctx context.Context, req wire.PostRequest) (wire.Posted, error)
	SetProfile(ctx context.Context, req wire.ProfileUpdate) (wire.ProfileSet, error)
	Follow(ctx context.Context, account string, following bool) (wire.Follow, error)
	Block(ctx context.Context, account string, blocking bool) (wire.Block, error)
	AddBlob(ctx context.Context, r io.Reader, publish bool) (wire.BlobAdded, error)
	OpenBlob(ctx context.Context, id string) (io.ReadCloser, int64, error)
	Export(ctx context.Context, w io.Writer, accounts []string, progress func(wire.ExportStats)) (wire.ExportStats, error)
	Import(ctx context.Context, r io.Reader, progress func(wire.ImportStats)) (wire.ImportStats, error)
	Devices(ctx context.Context) (wire.DeviceList, error)
	RevokeDevice(ctx context.Context, device string, req wire.RevokeRequest) (wire.Revoked, error)
	RemoveAccountKey(ctx context.Context, req wire.AccountKeyRemove) (wire.AccountKeyRemoved, error)
	Status(ctx context.Context) (wire.Status, error)

	// Villages (cmd_village.go).
	Villages(ctx context.Context) (wire.VillageList, error)
	FoundVillage(ctx context.Context, req wire.VillageFound) (wire.VillageEntry, error)
	Village(ctx context.Context, id string) (wire.Village, error)
	AcceptVillage(ctx context.Context, id string) (wire.VillageEntry, error)
	DeclineVillage(ctx context.Context, id string) (wire.VillageDeclined, error)
	JoinVillage(ctx context.Context, id string) (wire.VillageEntry, error)
	LeaveVillage(ctx context.Context, id string) (wire.VillageEntry, error)
	InviteToVillage(ctx context.Context, id string, req wire.VillageInvite) (wire.VillageEntry, error)
	SetVillageUserspec(ctx context.Context, id string, req wire.VillageUserspec) (wire.VillageEntry, error)
	VoteStranger(ctx context.Context, id, stranger string, req wire.StrangerVote) (wire.VillageEntry, error)
	NoteStranger(ctx context.Context, id, stranger string, req wire.StrangerNote) (wire.VillageEntry, error)
	RequestVillage(ctx context.Context, req wire.VillageRequestSend) (wire.VillageEntry, error)
	ProposeExclusion(ctx context.Context, id string, req wire.ExclusionProposal) (wire.VillageEntry, error)
	VoteExclusion(ctx context.Context, id, proposal string, req wire.ExclusionVote) (wire.VillageEntry, error)
	TakeVillagePosition(ctx context.Context, id string, req wire.VillagePosition) (wire.VillageEntry, error)
	PublishVillageState(ctx context.Context, id string) (wire.VillageStatePublished, error)
	VillageChain(ctx context.Context, id, local string) (wire.VillageChain, error)

	// Spaces (cmd_space.go); Follows resolves names to accounts.
	Follows(ctx context.Context) (wire.Follows, error)
	Spaces(ctx context.Context) (wire.SpaceList, error)
	CreateSpace(ctx context.Context, req wire.SpaceCreate) (wire.SpaceEntry, error)
	Space(ctx context.Context, id string) (wire.Space, error)
	SpaceMessages(ctx context.Context, id string, p wire.Page) (wire.SpaceMessages, error)
	PostToSpace(ctx context.Context, id string, req wire.SpacePost) (wire.SpaceEntry, error)
	AddToSpace(ctx context.Context, id string, req wire.SpaceMemberAdd) (wire.SpaceEntry, error)
	RemoveFromSpace(ctx context.Context, id, account string) (wire.SpaceEntry, error)
	SetSpaceRole(ctx context.Context, id, account string, req wire.SpaceRole) (wire.SpaceEntry, error)
	LeaveSpace(ctx context.Context, id string) (wire.SpaceEntry, error)

	// Conversations that end in a decision (cmd_conversation.go).
	Decisions(ctx context.Context) (wire.DecisionList, error)
	StartDecision(ctx context.Context, req wire.ConversationStart) (wire.ConversationEntry, error)
	Decision(ctx context.Context, id string) (wire.Decision, error)
	SayInDecision(ctx context.Context, id string, req wire.ConversationSay) (wire.ConversationEntry, error)
	AmendDecision(ctx context.Context, id string, req wire.ConversationAmend) (wire.ConversationEntry, error)
	PositionInDecision(ctx context.Context, id string, req wire.ConversationPosition) (wire.ConversationEntry, error)
	VoteInDecision(ctx context.Context, id string, req wire.ConversationVote) (wire.ConversationEntry, error)
	AckDecision(ctx context.Context, id string) (wire.ConversationEntry, error)
	AnswerDecision(ctx context.Context, id string, req wire.ConversationAnswer) (wire.ConversationEntry, error)
	ArgueInDecision(ctx context.Context, id string, req wire.ConversationArgument) (wire.ConversationEntry, error)
	DeclareDeadline(ctx context.Context, id string) (wire.ConversationEntry, error)
}

var (
	_ backend = (*api.Service)(nil)
	_ backend = (*client.Client)(nil)
)

// withBackend runs f through the API of the node running on the home, or,
// when none runs, over the home opened by this process (and closed after).
// It never opens the store under a running node.
func (c *call) withBackend(f func(b backend) error) error {
	cl, err := client.FromHome(c.home)
	if err == nil {
		if err := c.noBlobMaxForRunning(); err != nil {
			return err
		}
		return f(cl)
	}
	if !errors.Is(err, client.ErrNoNode) {
		return err
	}
	n, err := c.open()
	if err != nil {
		return err
	}
	defer n.Close()
	return f(api.NewService(n))
}

// remote returns the client of the node running on the home, for the
// commands that only a running node can serve.
func (c *call) remote() (*client.Client, error) {
	cl, err := client.FromHome(c.home)
	if errors.Is(err, client.ErrNoNode) {
		return nil, fmt.Errorf("no node is running on %s; start one with 'kith serve'", c.home)
	}
	if err == nil {
		if err := c.noBlobMaxForRunning(); err != nil {
			return nil, err
		}
	}
	return cl, err
}

// noBlobMaxForRunning refuses --blob-max-size on a command that goes
// through a running node: the node stores the blobs, with the limit it
// started with, so the flag would be ignored. (KITH_BLOB_MAX_SIZE, often
// set for every command of a shell, is not refused: it sets the limit of
// the node a command opens itself.)
func (c *call) noBlobMaxForRunning() error {
	if c.blobMax == "" {
		return nil
	}
	return usagef("--blob-max-size: a node runs on %s and keeps the blob size limit it started with; "+
		"to change it, stop the node and start it again with 'kith serve --blob-max-size SIZE' (or KITH_BLOB_MAX_SIZE), or leave the flag out", c.home)
}
