package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/client"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// socialBackend is what the reaction, tag and mute commands call; both
// backends have it.
type socialBackend interface {
	Reactions(ctx context.Context, entries []string) (wire.Reactions, error)
	React(ctx context.Context, target string, req wire.ReactRequest) (wire.Reacted, error)
	Tag(ctx context.Context, target string, req wire.TagRequest) (wire.Tagged, error)
	Tags(ctx context.Context, entries []string) (wire.Tags, error)
	MyTags(ctx context.Context, label string) (wire.MyTags, error)
	Mutes(ctx context.Context) (wire.Mutes, error)
	Mute(ctx context.Context, account string, on bool) (wire.Mutes, error)
	PublishImage(ctx context.Context, req wire.ImageRequest) (wire.Posted, error)
	Albums(ctx context.Context, account string, q wire.FeedQuery) (wire.AlbumPage, error)
	PublishCollection(ctx context.Context, req wire.CollectionRequest) (wire.CollectionPublished, error)
	ListCollection(ctx context.Context, id, path string) (wire.CollectionListing, error)
	CollectionFiles(ctx context.Context, id, path string) (wire.CollectionFiles, error)
	FetchBlob(ctx context.Context, id string) (wire.BlobFetched, error)
}

var (
	_ socialBackend = (*api.Service)(nil)
	_ socialBackend = (*client.Client)(nil)
)

// withSocial is withBackend for the reaction, tag, mute and image commands.
func (c *call) withSocial(f func(b socialBackend) error) error {
	return c.withBackend(func(b backend) error {
		sb, ok := b.(socialBackend)
		if !ok {
			return fmt.Errorf("this node's API has no reactions, tags, mutes or images")
		}
		return f(sb)
	})
}

// emojiWords are words a terminal user types for the reaction emoji, in
// the order of content.Emoji.
var emojiWords = []string{"like", "love", "laugh", "wow", "sad", "thanks", "party", "eyes"}

// reactionOf turns what was typed into a reaction: one of the emoji, or
// its word, or else a short text.
func reactionOf(s string) wire.ReactRequest {
	s = strings.TrimSpace(s)
	if content.IsEmoji(s) {
		return wire.ReactRequest{Emoji: s}
	}
	for i, w := range emojiWords {
		if strings.EqualFold(s, w) || s == ":"+w+":" {
			return wire.ReactRequest{Emoji: content.Emoji[i]}
		}
	}
	if s == "\u2764" { // a heart typed without its variation selector
		return wire.ReactRequest{Emoji: "\u2764\uFE0F"}
	}
	return wire.ReactRequest{Text: s}
}

func emojiHelp() string {
	var b strings.Builder
	for i, e := range content.Emoji {
		fmt.Fprintf(&b, "%s %s  ", e, emojiWords[i])
	}
	return strings.TrimSpace(b.String())
}

func init() {
	register(&command{
		name:    "react",
		args:    "ENTRY [REACTION]",
		summary: "react to an entry with an emoji (or its word: like, love, laugh, wow, sad, thanks, party, eyes) or a short text; --remove withdraws",
		help:    "Your latest reaction to an entry counts, one per account. The emoji: " + emojiHelp() + ". Anything else is a text of at most 32 bytes.",
		flags:   flags(boolFlag("remove", "withdraw your reaction")),
		run:     runReact,
	})
	register(&command{
		name:    "reactions",
		args:    "ENTRY...",
		summary: "show the reactions to entries: how many accounts chose each, and yours",
		run:     runReactions,
	})
}

func parseEntryArg(s string) (string, error) {
	id, err := entry.ParseID(s)
	if err != nil {
		return "", usagef("%v", err)
	}
	return id.String(), nil
}

func runReact(ctx context.Context, c *call) error {
	remove := c.flagBool("remove")
	if remove {
		if err := c.wantArgs(1, 1); err != nil {
			return err
		}
	} else if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	target, err := parseEntryArg(c.args[0])
	if err != nil {
		return err
	}
	var req wire.ReactRequest
	if !remove {
		if req = reactionOf(c.args[1]); req.Text == "" && req.Emoji == "" {
			return usagef("give a reaction, or --remove to withdraw yours")
		}
	}
	return c.withSocial(func(b socialBackend) error {
		r, err := b.React(ctx, target, req)
		if err != nil {
			return err
		}
		return c.out(r, func(w io.Writer) {
			if r.Value == "" {
				fmt.Fprintf(w, "You withdrew your reaction to %s.\n", r.Target)
				return
			}
			fmt.Fprintf(w, "You reacted %s to %s.\n", termText(r.Value), r.Target)
		})
	})
}

func runReactions(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 200); err != nil {
		return err
	}
	ids := make([]string, len(c.args))
	for i, a := range c.args {
		id, err := parseEntryArg(a)
		if err != nil {
			return err
		}
		ids[i] = id
	}
	return c.withSocial(func(b socialBackend) error {
		rs, err := b.Reactions(ctx, ids)
		if err != nil {
			return err
		}
		return c.out(rs, func(w io.Writer) {
			for _, e := range rs.Entries {
				if len(ids) > 1 {
					fmt.Fprintf(w, "%s\n", e.Entry)
				}
				if len(e.Counts) == 0 {
					fmt.Fprintln(w, "  no reactions yet")
				}
				for _, c := range e.Counts {
					mark := ""
					if c.Value == e.Mine {
						mark = "  (yours)"
					}
					fmt.Fprintf(w, "  %s %d%s\n", termText(c.Value), c.Count, mark)
				}
			}
		})
	})
}

// parseAccountArg parses an account id argument.
func parseAccountArg(s string) (string, error) {
	a, err := identity.ParseAccount(s)
	if err != nil {
		return "", usagef("%v", err)
	}
	return a.String(), nil
}
