package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// reversed returns the ids of es, last first.
func reversed(es []*entry.Entry) []entry.ID {
	out := ids(es)
	slices.Reverse(out)
	return out
}

// reply is the payload of a post answering parent in the thread of root
// (zero root: parent is the root).
func reply(t testing.TB, text string, parent, root entry.ID) []byte {
	return encode(t, &content.Post{Text: text, ReplyTo: parent, Root: root})
}

// testFindNewestFirst checks Desc and Before: the order feeds read in.
func testFindNewestFirst(t *testing.T, x h) {
	a, b := key(t, 1), key(t, 2)
	ctxA := entry.LogID{0x10}
	apub, bpub, actx := newChain(a, entry.PublicLog), newChain(b, entry.PublicLog), newChain(a, ctxA)
	var all, posts, aPublicPosts []*entry.Entry
	for i := range 4 {
		for _, c := range []*chain{apub, bpub, actx} {
			payload := post(t, fmt.Sprint("post ", i))
			if c == bpub && i%2 == 1 {
				payload = profile(t, fmt.Sprint("b ", i))
			}
			e := c.add(t, payload, 0)
			x.mustAdd(e)
			all = append(all, e)
			if c != bpub || i%2 == 0 {
				posts = append(posts, e)
			}
			if c == apub {
				aPublicPosts = append(aPublicPosts, e)
			}
		}
	}
	pl := entry.PublicLog
	equalIDs(t, "Find{Desc}", storedIDs(x.find(store.Query{Desc: true})), reversed(all))
	equalIDs(t, "Find(post, Desc)", storedIDs(x.find(store.Query{Type: content.TypePost, Desc: true})), reversed(posts))
	equalIDs(t, "Find(post, public log, author a, Desc)", storedIDs(x.find(store.Query{
		Type: content.TypePost, LogID: &pl, Authors: []identity.PublicKey{a.Public()}, Desc: true,
	})), reversed(aPublicPosts))
	equalIDs(t, "Find(post, author b, Desc)", storedIDs(x.find(store.Query{
		Type: content.TypePost, Authors: []identity.PublicKey{b.Public()}, Desc: true,
	})), ids([]*entry.Entry{bpub.es[2], bpub.es[0]}))
	equalIDs(t, "Find(Desc, limit 2)", storedIDs(x.find(store.Query{Desc: true, Limit: 2})), reversed(all[len(all)-2:]))

	cur := storedIDs(x.find(store.Query{}))
	if len(cur) != len(all) {
		t.Fatalf("Find{} has %d entries, want %d", len(cur), len(all))
	}
	stored := x.find(store.Query{})
	c := func(i int) int64 { return stored[i].Cursor }
	// Before alone, in both directions, and a window of After and Before.
	equalIDs(t, "Find(before 4th)", storedIDs(x.find(store.Query{Before: c(3)})), ids(all[:3]))
	equalIDs(t, "Find(before 4th, Desc)", storedIDs(x.find(store.Query{Before: c(3), Desc: true})), reversed(all[:3]))
	equalIDs(t, "Find(after 2nd, before 6th)", storedIDs(x.find(store.Query{After: c(1), Before: c(5)})), ids(all[2:5]))
	equalIDs(t, "Find(after 2nd, before 6th, Desc)", storedIDs(x.find(store.Query{After: c(1), Before: c(5), Desc: true})), reversed(all[2:5]))
	equalIDs(t, "Find(before 1st)", storedIDs(x.find(store.Query{Before: c(0)})), nil)
	equalIDs(t, "Find(after 5th, before 5th)", storedIDs(x.find(store.Query{After: c(4), Before: c(4)})), nil)
	equalIDs(t, "Find(after 5th, before 3rd)", storedIDs(x.find(store.Query{After: c(4), Before: c(2), Desc: true})), nil)
	equalIDs(t, "Find(before beyond the end, Desc)", storedIDs(x.find(store.Query{Before: c(len(all)-1) + 1000, Desc: true})), reversed(all))

	// Paging newest first with Before, unfiltered and filtered.
	for _, q := range []store.Query{{}, {Type: content.TypePost}, {Authors: []identity.PublicKey{b.Public()}}, {LogID: &ctxA, Type: content.TypePost}} {
		q.Desc = true
		want := storedIDs(x.find(q))
		for _, limit := range []int{1, 2, 5} {
			var got []entry.ID
			q := q
			q.Limit = limit
			for range 100 {
				page := x.find(q)
				if len(page) > limit {
					t.Fatalf("page of %d entries, limit %d", len(page), limit)
				}
				if len(page) == 0 {
					break
				}
				got = append(got, storedIDs(page)...)
				q.Before = page[len(page)-1].Cursor
			}
			equalIDs(t, fmt.Sprintf("paged Find(%+v)", q), got, want)
		}
	}
}

// testThreads checks Query.Thread: the replies of a thread, by their
// thread root, in arrival order.
func testThreads(t *testing.T, x h) {
	alice := newChain(key(t, 1), entry.PublicLog)
	bob := newChain(key(t, 2), entry.PublicLog)
	ctxLog := newChain(key(t, 2), entry.LogID{0x44})

	root := alice.add(t, post(t, "root"), 0)
	other := alice.add(t, post(t, "another root"), 0)
	r1 := bob.add(t, reply(t, "first answer", root.ID, entry.ID{}), 0)
	r2 := alice.add(t, reply(t, "answer to the answer", r1.ID, root.ID), 0)
	o1 := bob.add(t, reply(t, "in the other thread", other.ID, entry.ID{}), 0)
	r3 := ctxLog.add(t, reply(t, "from a context", r2.ID, root.ID), 0)
	// A profile and a follow are never replies.
	notPost := bob.add(t, profile(t, "bob"), 0)
	// A reply to an entry not held: its thread is found by that id.
	missing := entry.ID{0x77, 1, 2, 3}
	m1 := bob.add(t, reply(t, "to something not held", missing, entry.ID{}), 0)
	// Same first 8 bytes as root, another id: not root's thread.
	twin := root.ID
	twin[31] ^= 0xff
	t1 := bob.add(t, reply(t, "to a twin", twin, entry.ID{}), 0)
	x.mustAdd(root, other, r1, r2, o1, r3, notPost, m1, t1)

	thread := func(id entry.ID) store.Query { return store.Query{Thread: &id} }
	equalIDs(t, "Thread(root)", storedIDs(x.find(thread(root.ID))), ids([]*entry.Entry{r1, r2, r3}))
	equalIDs(t, "Thread(other)", storedIDs(x.find(thread(other.ID))), ids([]*entry.Entry{o1}))
	equalIDs(t, "Thread(missing root)", storedIDs(x.find(thread(missing))), ids([]*entry.Entry{m1}))
	equalIDs(t, "Thread(twin)", storedIDs(x.find(thread(twin))), ids([]*entry.Entry{t1}))
	// r1 is a reply, not a root: r2 names root as its thread.
	equalIDs(t, "Thread(r1)", storedIDs(x.find(thread(r1.ID))), nil)
	equalIDs(t, "Thread(unknown)", storedIDs(x.find(thread(entry.ID{9}))), nil)
	// With the other filters, newest first, and by pages.
	q := thread(root.ID)
	q.Desc = true
	equalIDs(t, "Thread(root, Desc)", storedIDs(x.find(q)), ids([]*entry.Entry{r3, r2, r1}))
	q = thread(root.ID)
	q.Authors = []identity.PublicKey{alice.author()}
	equalIDs(t, "Thread(root, author alice)", storedIDs(x.find(q)), ids([]*entry.Entry{r2}))
	pl := entry.PublicLog
	q = thread(root.ID)
	q.LogID, q.Type = &pl, content.TypePost
	equalIDs(t, "Thread(root, public log, post)", storedIDs(x.find(q)), ids([]*entry.Entry{r1, r2}))
	q = thread(root.ID)
	q.Type = content.TypeProfile
	equalIDs(t, "Thread(root, profile)", storedIDs(x.find(q)), nil)
	q = thread(root.ID)
	q.Limit = 1
	var got []entry.ID
	for range 10 {
		page := x.find(q)
		if len(page) == 0 {
			break
		}
		got = append(got, storedIDs(page)...)
		q.After = page[0].Cursor
	}
	equalIDs(t, "Thread(root) by pages of 1", got, ids([]*entry.Entry{r1, r2, r3}))
	// The replies are stored like any post.
	for _, e := range []*entry.Entry{r1, r2, r3} {
		g := x.get(e.ID)
		sameEntry(t, g, e, true)
		if g.Type != content.TypePost {
			t.Fatalf("reply %s: type %q", e.ID, g.Type)
		}
	}
}

// testThreadsHeaderOnlyAndDeletes checks that a reply is in its thread
// exactly while its payload is held: not as a header alone, from the moment
// the payload arrives, not after a delete, and not when its delete came
// first.
func testThreadsHeaderOnlyAndDeletes(t *testing.T, x h) {
	alice := newChain(key(t, 1), entry.PublicLog)
	bob := newChain(key(t, 2), entry.PublicLog)
	root := alice.add(t, post(t, "root"), 0)
	r1 := bob.add(t, reply(t, "one", root.ID, entry.ID{}), 0)
	r2 := bob.add(t, reply(t, "two", root.ID, entry.ID{}), 0)
	r3 := bob.add(t, reply(t, "three", r2.ID, root.ID), 0)
	x.mustAdd(root, headerOnly(t, r1), r2)
	thread := func() []entry.ID { id := root.ID; return storedIDs(x.find(store.Query{Thread: &id})) }
	equalIDs(t, "thread with r1 header only", thread(), ids([]*entry.Entry{r2}))
	// The payload arrives: r1 joins at its place in arrival order.
	x.expect(r1, store.Known)
	equalIDs(t, "thread after r1's payload", thread(), ids([]*entry.Entry{r1, r2}))
	// bob deletes r2: it leaves the thread; r3 stays (its root is root).
	d2 := bob.add(t, del(t, r2.ID), 0)
	x.mustAdd(r3, d2)
	equalIDs(t, "thread after deleting r2", thread(), ids([]*entry.Entry{r1, r3}))
	// A delete that arrives before its target (in another log of the
	// same author): the target never joins.
	bobCtx := newChain(bob.key, entry.LogID{0x45})
	r4 := bobCtx.add(t, reply(t, "four", root.ID, entry.ID{}), 0)
	d4 := bob.add(t, del(t, r4.ID), 0)
	x.mustAdd(d4)
	x.mustAdd(r4)
	// A header alone, then its delete, then the payload: still deleted.
	carol := newChain(key(t, 3), entry.PublicLog)
	r5 := carol.add(t, reply(t, "five", root.ID, entry.ID{}), 0)
	d5 := carol.add(t, del(t, r5.ID), 0)
	x.mustAdd(headerOnly(t, r5), d5)
	x.expect(r5, store.Known)
	equalIDs(t, "thread after deletes", thread(), ids([]*entry.Entry{r1, r3}))
	for _, e := range []*entry.Entry{r2, r4, r5} {
		if g := x.get(e.ID); !g.Deleted || g.Payload != nil || g.Type != "" {
			t.Fatalf("%s: deleted %v, payload %x, type %q", e.ID, g.Deleted, g.Payload, g.Type)
		}
	}
}
