package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/client"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
)

// The commands that read what people wrote: the timeline, threads,
// profiles, and who follows whom. Each is a client of the API's feeds
// (doc/api.md, "Feeds and accounts"); people show by name, their ids are
// in --json.

func init() {
	register(&command{
		name:    "timeline",
		summary: "read your posts and those of the accounts you follow, newest first, a page at a time",
		help:    "Posts are ordered by when their authors wrote them where that is plausible, else by when they arrived here.\nThe last line says how to read the next (older) page.",
		flags:   flags(strFlag("limit", "posts per page, 1 to 200 (default 20)"), strFlag("before", "go on from where the previous page ended (the cursor it printed)")),
		run:     runTimeline,
	})
	register(&command{
		name:    "thread",
		args:    "ENTRY_ID",
		summary: "read the thread a post belongs to: its first post and the replies, oldest first",
		run:     runThread,
	})
	register(&command{
		name:    "following",
		summary: "list the accounts you follow",
		run:     func(ctx context.Context, c *call) error { return runPeople(ctx, c, false) },
	})
	register(&command{
		name:    "followers",
		summary: "list the accounts that follow you, as far as this node knows",
		run:     func(ctx context.Context, c *call) error { return runPeople(ctx, c, true) },
	})
	register(&command{
		name:    "profile show",
		args:    "[ACCOUNT]",
		summary: "show a profile: yours, or an account's (by id, or by the name of one you follow)",
		run:     runProfileShow,
	})
}

// reader is what the reading commands ask of a backend beyond backend:
// both the API service and the client have it.
type reader interface {
	Timeline(ctx context.Context, q wire.FeedQuery) (wire.FeedPage, error)
	AccountPosts(ctx context.Context, who string, q wire.FeedQuery) (wire.FeedPage, error)
	Thread(ctx context.Context, id string) (wire.Thread, error)
	Account(ctx context.Context, account string) (wire.Account, error)
	Followers(ctx context.Context) (wire.Followers, error)
	Profile(ctx context.Context, account string) (wire.Profile, error)
}

var (
	_ reader = (*api.Service)(nil)
	_ reader = (*client.Client)(nil)
)

// withReader is withBackend for the reading commands.
func (c *call) withReader(f func(b backend, r reader) error) error {
	return c.withBackend(func(b backend) error {
		r, ok := b.(reader)
		if !ok {
			return fmt.Errorf("internal error: %T cannot read feeds", b)
		}
		return f(b, r)
	})
}

// localTime prints a time (ms since the epoch) in the local time zone
// (TZ of the environment, else the system's).
func (c *call) localTime(ms int64) string {
	loc := time.Local
	if tz := c.env.Getenv("TZ"); tz != "" {
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	return time.UnixMilli(ms).In(loc).Format("2006-01-02 15:04")
}

// defaultTimelineLimit is the page 'kith timeline' shows without --limit.
const defaultTimelineLimit = 20

func runTimeline(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	q := wire.FeedQuery{Cursor: c.str("before"), Limit: defaultTimelineLimit}
	if l := c.str("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > wire.MaxFeedLimit {
			return usagef("--limit: %q is not a number from 1 to %d", l, wire.MaxFeedLimit)
		}
		q.Limit = n
	}
	return c.withReader(func(_ backend, r reader) error {
		page, err := r.Timeline(ctx, q)
		if err != nil {
			return err
		}
		return c.out(page, func(w io.Writer) {
			if len(page.Items) == 0 {
				if q.Cursor != "" {
					fmt.Fprintln(w, "No older posts.")
				} else {
					fmt.Fprintln(w, "Your timeline is empty: write with 'kith post TEXT', or follow someone with 'kith follow ACCOUNT'.")
				}
				return
			}
			for i, it := range page.Items {
				if i > 0 {
					fmt.Fprintln(w)
				}
				c.printItem(w, it, "")
			}
			if page.NextCursor != "" {
				fmt.Fprintf(w, "\nOlder posts: kith timeline --before %s\n", page.NextCursor)
			}
		})
	})
}

// authorText is how a post's author shows: the name, "you" for this
// account, or the account id when no name is known.
func authorText(it wire.FeedItem) string {
	name := personText(it.AuthorName, it.Account)
	if it.Mine {
		if it.AuthorName == "" {
			return "you"
		}
		return name + " (you)"
	}
	return name
}

// printItem prints one post: who and when with its id, its text, and what
// it has (images, a reply). indent starts every line.
func (c *call) printItem(w io.Writer, it wire.FeedItem, indent string) {
	fmt.Fprintf(w, "%s%s · %s · %s\n", indent, authorText(it), c.localTime(it.Time), it.ID)
	if it.Text != "" {
		for _, line := range strings.Split(termLines(it.Text), "\n") {
			fmt.Fprintf(w, "%s  %s\n", indent, line)
		}
	}
	var notes []string
	switch n := len(it.Images); n {
	case 0:
	case 1:
		notes = append(notes, "1 image")
	default:
		notes = append(notes, fmt.Sprintf("%d images", n))
	}
	if it.ReplyTo != "" {
		notes = append(notes, "a reply: kith thread "+it.ID)
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "%s  (%s)\n", indent, strings.Join(notes, "; "))
	}
}

func runThread(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, err := entry.ParseID(c.args[0])
	if err != nil {
		return usagef("%v", err)
	}
	return c.withReader(func(_ backend, r reader) error {
		t, err := r.Thread(ctx, id.String())
		if err != nil {
			return err
		}
		return c.out(t, func(w io.Writer) {
			if t.Root != nil {
				c.printThreadItem(w, *t.Root, "")
			} else {
				fmt.Fprintf(w, "(the first post, %s, is not held here)\n", t.RootID)
			}
			names := map[string]string{t.RootID: rootAuthor(t)}
			for _, it := range t.Replies {
				names[it.ID] = authorText(it)
			}
			for _, it := range t.Replies {
				fmt.Fprintln(w)
				to := names[it.ReplyTo]
				if to == "" {
					to = "a post not held here"
				}
				fmt.Fprintf(w, "  ↳ to %s\n", to)
				c.printThreadItem(w, it, "  ")
			}
			if len(t.Replies) == 0 {
				fmt.Fprintln(w, "\nNo replies yet: answer with 'kith post --reply-to "+t.RootID+" TEXT'.")
			}
		})
	})
}

func rootAuthor(t wire.Thread) string {
	if t.Root == nil {
		return "the first post"
	}
	return authorText(*t.Root)
}

// printThreadItem is printItem without the note that a reply is one.
func (c *call) printThreadItem(w io.Writer, it wire.FeedItem, indent string) {
	it.ReplyTo = ""
	c.printItem(w, it, indent)
}

// runPeople lists the accounts followed, or (followers) those following.
func runPeople(ctx context.Context, c *call, followers bool) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	return c.withReader(func(b backend, r reader) error {
		var list []wire.Account
		var v any
		if followers {
			f, err := r.Followers(ctx)
			if err != nil {
				return err
			}
			list, v = f.Followers, f
		} else {
			f, err := b.Follows(ctx)
			if err != nil {
				return err
			}
			list, v = f.Following, map[string]any{"following": f.Following}
		}
		return c.out(v, func(w io.Writer) {
			if len(list) == 0 {
				if followers {
					fmt.Fprintln(w, "No one follows you yet, as far as this node knows.")
				} else {
					fmt.Fprintln(w, "You follow no one yet: 'kith follow ACCOUNT' follows someone.")
				}
				return
			}
			for _, a := range list {
				fmt.Fprintln(w, personLine(a, followers))
			}
		})
	})
}

// personLine is one account of a list: its name (its id when it has no
// name) and how it stands with you.
func personLine(a wire.Account, followers bool) string {
	name := ""
	if a.Profile != nil {
		name = a.Profile.Name
	}
	line := personText(name, a.Account)
	var notes []string
	switch {
	case followers && a.Following:
		notes = append(notes, "you follow them too")
	case !followers && a.FollowsMe:
		notes = append(notes, "follows you")
	}
	if a.Blocked {
		notes = append(notes, "blocked")
	}
	if len(notes) > 0 {
		line += " (" + strings.Join(notes, ", ") + ")"
	}
	return line
}

// profileShown is the --json form of 'kith profile show': how the
// account stands with you and its profile (null when none is held).
type profileShown = wire.Account

func runProfileShow(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 1); err != nil {
		return err
	}
	return c.withReader(func(b backend, r reader) error {
		var account string
		if len(c.args) == 0 {
			id, err := b.Identity(ctx)
			if err != nil {
				return err
			}
			account = id.Account
		} else {
			cands, err := followed(ctx, b)
			if err != nil {
				return err
			}
			if account, err = resolvePerson(c.env.Stderr, "profile show", c.args[0], cands, "the accounts you follow"); err != nil {
				return err
			}
		}
		a, err := r.Account(ctx, account)
		if err != nil {
			return err
		}
		return c.out(profileShown(a), func(w io.Writer) { c.printProfile(w, a) })
	})
}

func (c *call) printProfile(w io.Writer, a wire.Account) {
	p := a.Profile
	switch {
	case p != nil && p.Name != "":
		fmt.Fprintln(w, termText(p.Name))
	case a.Self:
		fmt.Fprintln(w, "(you have no name yet: 'kith profile set --name NAME')")
	default:
		fmt.Fprintln(w, "(no name known)")
	}
	if p != nil && p.About != "" {
		for _, line := range strings.Split(termLines(p.About), "\n") {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	fmt.Fprintf(w, "account  %s\n", a.Account)
	if p != nil && p.Image != "" {
		fmt.Fprintf(w, "picture  %s (kith blob get %s FILE)\n", p.Image, p.Image)
	}
	if p != nil {
		fmt.Fprintf(w, "updated  %s\n", c.localTime(int64(p.Timestamp)))
	}
	var rel []string
	switch {
	case a.Self:
		rel = append(rel, "this is you")
	case a.Following && a.FollowsMe:
		rel = append(rel, "you follow each other")
	case a.Following:
		rel = append(rel, "you follow them")
	case a.FollowsMe:
		rel = append(rel, "they follow you")
	default:
		rel = append(rel, "you do not follow each other")
	}
	if a.Blocked {
		rel = append(rel, "you block them")
	}
	fmt.Fprintln(w, strings.Join(rel, "; "))
}

// errNoName is returned by nameOf when a name is not known.
var errNoName = errors.New("no name known")

// nameOf returns an account's profile name, errNoName when it has none
// held.
func nameOf(ctx context.Context, r reader, account string) (string, error) {
	p, err := r.Profile(ctx, account)
	var we *wire.Error
	switch {
	case errors.As(err, &we) && we.Code == wire.CodeNotFound:
		return "", errNoName
	case err != nil:
		return "", err
	case p.Name == "":
		return "", errNoName
	}
	return p.Name, nil
}
