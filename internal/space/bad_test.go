package space

import (
	"errors"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// TestMayWrite: whether an account may write at the causal point its
// entry names (space-membership.md §4).
func TestMayWrite(t *testing.T) {
	w := newSpace(t, 'A', founders("A", "BC"))
	rmB := w.remove('A', 'B')
	addE := w.add('A', 'E', Member)
	s := w.reduce(w.all)
	b, c, e := acc(t, 'B'), acc(t, 'C'), acc(t, 'E')
	for _, tc := range []struct {
		name string
		who  identity.PublicKey
		refs []entry.ID
		want bool
	}{
		{"a member, having seen nothing", c, nil, true},
		{"a member, having seen everything", c, []entry.ID{addE.ID}, true},
		{"B before its removal", b, nil, true},
		{"B having seen its removal", b, []entry.ID{rmB.ID}, false},
		{"B naming a later entry (implies the removal)", b, []entry.ID{addE.ID}, false},
		{"E before its add", e, []entry.ID{rmB.ID}, false},
		{"E after its add", e, []entry.ID{addE.ID}, true},
		{"E naming an unknown id", e, []entry.ID{{9, 9, 9}}, false},
		{"a stranger", acc(t, 'Z'), []entry.ID{addE.ID}, false},
	} {
		if got := s.MayWrite(tc.who, tc.refs); got != tc.want {
			t.Errorf("%s: MayWrite %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := w.members(s.Members); got != "A:admin C:member E:member" {
		t.Errorf("members %q", got)
	}
}

// TestDevices: a person acts through any of its current devices; a device
// certified by two accounts, a revoked device's later entries, and an
// uncertified device speak for nobody (village.md §1 rules).
func TestDevices(t *testing.T) {
	w := newSpace(t, 'A', founders("A", "B"))
	// A's second device, certified by A's account.
	second := dev(t, 'a')
	cert2, err := content.NewDeviceCert(accKey(t, 'A'), second, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	w.all = append(w.all, cert2)
	add := func(k identity.PrivateKey, who byte, seq uint64, prev entry.ID) *entry.Entry {
		p := &Add{Space: w.space, Account: acc(t, who), Role: Member}
		w.byName[acc(t, who)] = who
		e, err := entry.Sign(k, entry.Draft{LogID: entry.LogID(w.space), Seq: seq, Backlink: prev, Timestamp: 9, Payload: MustEncode(p)})
		if err != nil {
			t.Fatal(err)
		}
		w.all = append(w.all, e)
		return e
	}
	e1 := add(second, 'C', 1, entry.ID{})
	// A device nobody certified.
	loose := dev(t, 'z')
	e2 := add(loose, 'D', 1, entry.ID{})
	s := w.reduce(w.all)
	if got := w.members(s.Members); got != "A:admin B:member C:member" {
		t.Fatalf("members %q, want A's second device's add of C to count", got)
	}
	if why := s.Ignored[e2.ID]; !strings.Contains(why, "no certificate") {
		t.Fatalf("the uncertified device's entry: %q", why)
	}
	// A revokes the second device keeping nothing: its add no longer
	// speaks for A, and the revocation is an epoch boundary.
	rev, err := content.NewDeviceRevoke(accKey(t, 'A'), cert2, "lost", nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	w.all = append(w.all, rev)
	s = w.reduce(w.all)
	if got := w.members(s.Members); got != "A:admin B:member" {
		t.Fatalf("members %q after the revocation", got)
	}
	if why := s.Ignored[e1.ID]; !strings.Contains(why, "revoked") {
		t.Fatalf("the revoked device's entry: %q", why)
	}
	if len(s.Boundaries) != 1 || s.Boundaries[0].Kind != BoundaryRevoke || s.Boundaries[0].Device != second.Public() || s.Boundaries[0].Account != acc(t, 'A') || s.Boundaries[0].Entry != rev.ID {
		t.Fatalf("boundaries %+v, want the revocation of A's second device", s.Boundaries)
	}
	// The same device certified by a second account speaks for nobody.
	w2 := newSpace(t, 'A', founders("A", "B"))
	w2.all = append(w2.all, cert2)
	other, err := content.NewDeviceCert(accKey(t, 'B'), second, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	w2.all = append(w2.all, other)
	w = w2
	e3 := add(second, 'C', 1, entry.ID{})
	s = w2.reduce(w2.all)
	if why := s.Ignored[e3.ID]; !strings.Contains(why, "more than one account") {
		t.Fatalf("the doubly certified device's entry: %q", why)
	}
}

// TestNoSpace: without a valid create entry whose author is an admin it
// names, there is no space, and the error says why.
func TestNoSpace(t *testing.T) {
	w := newSpace(t, 'A', founders("A", "B"))
	if _, err := Reduce(entry.ID{1}, w.all); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("another id: %v", err)
	}
	// Created by B's device, naming B as a member only.
	c := &Create{Name: "x", Members: []Founder{{acc(t, 'A'), Admin}, {acc(t, 'B'), Member}}}
	sortFounders(c.Members)
	w.certify('B')
	e, err := entry.Sign(dev(t, 'B'), entry.Draft{LogID: entry.PublicLog, Seq: 1, Timestamp: 1, Payload: MustEncode(c)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Reduce(e.ID, append(w.all, e)); !errors.Is(err, ErrNoSpace) || !strings.Contains(err.Error(), "not an admin") {
		t.Fatalf("created by a member: %v", err)
	}
	// The create entry without its payload.
	bare := *w.all[1]
	for _, x := range w.all {
		if x.ID == w.space {
			bare = *x
		}
	}
	bare.Payload = nil
	var rest []*entry.Entry
	for _, x := range w.all {
		if x.ID != w.space {
			rest = append(rest, x)
		}
	}
	if _, err := Reduce(w.space, append(rest, &bare)); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("create without payload: %v", err)
	}
}

// TestBadEntries: entries of the membership log that take no effect, each
// with the reason the spec states, and none stops the rest.
func TestBadEntries(t *testing.T) {
	w := newSpace(t, 'A', founders("A", "B"))
	other := newSpace(t, 'A', founders("A", "B")) // another space with the same founders
	_ = other
	// An entry naming another space, in this space's log.
	p := &Add{Space: entry.ID{7}, Account: acc(t, 'C'), Role: Member}
	wrong, err := entry.Sign(dev(t, 'A'), entry.Draft{LogID: entry.LogID(w.space), Seq: 1, Timestamp: 2, Payload: MustEncode(p)})
	if err != nil {
		t.Fatal(err)
	}
	w.ws[dev(t, 'A').Public()] = &writer{seq: 1, prev: wrong.ID}
	w.all = append(w.all, wrong)
	// A payload that is not a membership payload.
	junk, err := entry.Sign(dev(t, 'B'), entry.Draft{LogID: entry.LogID(w.space), Seq: 1, Timestamp: 2, Payload: []byte{0xa1, 0x64, 't', 'y', 'p', 'e', 0x64, 'p', 'o', 's', 't'}})
	if err != nil {
		t.Fatal(err)
	}
	w.ws[dev(t, 'B').Public()] = &writer{seq: 1, prev: junk.ID}
	w.all = append(w.all, junk)
	// References to ids nobody has: count as absent.
	ghost := &entry.Entry{ID: entry.ID{0xee}}
	good := w.add('A', 'C', Member, ghost)
	// A member (not admin) adding, and removing.
	byMember := w.add('B', 'D', Member, good)
	rmByMember := w.remove('B', 'A', good)
	// The payload withheld: the header alone.
	withheld := w.add('A', 'E', Member)
	bare := *withheld
	bare.Payload = nil
	all := append([]*entry.Entry(nil), w.all[:len(w.all)-1]...)
	all = append(all, &bare)
	// After the withheld entry (by backlink), A adds F: it still counts.
	w.all = all
	after := w.add('A', 'F', Member)
	s := w.reduce(w.all)
	if got := w.members(s.Members); got != "A:admin B:member C:member F:member" {
		t.Fatalf("members %q", got)
	}
	for _, c := range []struct {
		e    *entry.Entry
		want string
	}{
		{wrong, "another space"},
		{junk, "invalid payload: space: post: not a space membership payload type"},
		{byMember, "the author's account is an admin in no entry of the space"},
		{rmByMember, "the author's account is an admin in no entry of the space"},
		{&bare, "payload missing"},
	} {
		if got := s.Ignored[c.e.ID]; got != c.want {
			t.Errorf("entry %s: ignored %q, want %q", c.e.ID.Hex()[:8], got, c.want)
		}
	}
	if _, ok := s.Ignored[after.ID]; ok {
		t.Errorf("the entry after a withheld one was ignored: %s", s.Ignored[after.ID])
	}
}

// TestMaxEntries: a member's flood of entries is set aside without
// counting towards the bound; entries after the first MaxEntries that
// count take no effect, with the reason, and the space keeps working.
func TestMaxEntries(t *testing.T) {
	if testing.Short() {
		t.Skip("writes over two thousand entries")
	}
	w := newSpace(t, 'A', founders("AB", "C"))
	var last *entry.Entry
	for k := 0; k < MaxEntries+10; k++ {
		last = w.do('C', &Leave{}) // a member's leaves: the first counts, the second finds C gone
	}
	after := w.add('A', 'D', Member, last)
	s := w.reduce(w.all)
	if got := w.members(s.Members); got != "A:admin B:admin D:member" {
		t.Fatalf("after a member's flood: members %q (%q)", got, s.Ignored[after.ID])
	}
	if got := s.Ignored[last.ID]; got != "the account left more often than it was added" {
		t.Fatalf("the flood's last entry: %q", got)
	}
	// An admin's flood does count: B changes D's role again and again.
	for k := 0; k < MaxEntries; k++ {
		last = w.role('B', 'D', Role(1+(k+1)%2), after)
	}
	early := w.add('A', 'E', Member, after) // having seen none of B's flood
	late := w.add('A', 'F', Member, last)
	s = w.reduce(w.all)
	if got := s.Ignored[late.ID]; got != "beyond the limit of 1024 membership entries" {
		t.Fatalf("the entry past the bound: %q", got)
	}
	if _, ok := s.Ignored[early.ID]; ok {
		t.Fatalf("the entry concurrent with the flood was ignored: %s", s.Ignored[early.ID])
	}
	if got := w.members(s.Members); !strings.HasPrefix(got, "A:admin B:admin D:") || !strings.HasSuffix(got, " E:member") {
		t.Fatalf("members %q", got)
	}
}

func sortFounders(ms []Founder) {
	for i := range ms {
		for j := i + 1; j < len(ms); j++ {
			if string(ms[j].Account[:]) < string(ms[i].Account[:]) {
				ms[i], ms[j] = ms[j], ms[i]
			}
		}
	}
}

// TestRemovedAdminLies: what a removed admin can still do by claiming to
// have seen less than it had (space-membership.md §3, "What references
// cannot prove"). Having once named its removal from a device, that
// device's later entries follow it and are void; but from another device
// (a fresh log) it can still write "concurrently" with its removal, and
// a removal of its remover then counts as a mutual removal.
func TestRemovedAdminLies(t *testing.T) {
	w := newSpace(t, 'A', founders("ABC", ""))
	rm := w.remove('A', 'B')
	seen := w.add('B', 'D', Member, rm) // B names its removal: void
	late := w.remove('B', 'A')          // same device: after 'seen' by backlink, so after the removal
	s := w.reduce(w.all)
	if got := w.members(s.Members); got != "A:admin C:admin" {
		t.Fatalf("members %q", got)
	}
	for _, e := range []*entry.Entry{seen, late} {
		if why := s.Ignored[e.ID]; why != "in what its author had seen, the author's account is not an admin" {
			t.Fatalf("entry %s: %q", e.ID.Hex()[:8], why)
		}
	}
	// B's second device, certified by B's account, names nothing.
	second := dev(t, 'b')
	cert, err := content.NewDeviceCert(accKey(t, 'B'), second, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	p := &Remove{Space: w.space, Account: acc(t, 'A')}
	lie, err := entry.Sign(second, entry.Draft{LogID: entry.LogID(w.space), Seq: 1, Timestamp: 99, Payload: MustEncode(p)})
	if err != nil {
		t.Fatal(err)
	}
	s = w.reduce(append(w.all, cert, lie))
	if got := w.members(s.Members); got != "C:admin" {
		t.Fatalf("after the lie: members %q, want the mutual removal the spec states", got)
	}
}

// TestStrangerFlood: thousands of entries in the membership log from a
// device no account certified take no place in the graph and change
// nothing.
func TestStrangerFlood(t *testing.T) {
	w := newSpace(t, 'A', founders("A", "B"))
	w.add('A', 'C', Member)
	junk := dev(t, 'x')
	var prev entry.ID
	for k := uint64(1); k <= 3000; k++ {
		p := &Remove{Space: w.space, Account: acc(t, 'A')}
		e, err := entry.Sign(junk, entry.Draft{LogID: entry.LogID(w.space), Seq: k, Backlink: prev, Timestamp: k, Payload: MustEncode(p)})
		if err != nil {
			t.Fatal(err)
		}
		prev = e.ID
		w.all = append(w.all, e)
	}
	s := w.reduce(w.all)
	if got := w.members(s.Members); got != "A:admin B:member C:member" {
		t.Fatalf("members %q", got)
	}
	if n := len(s.r.g.es); n != 1 {
		t.Fatalf("%d entries in the graph, want 1 (the stranger's take no place)", n)
	}
	if why := s.Ignored[prev]; !strings.HasPrefix(why, "no certificate of the author's device") {
		t.Fatalf("the stranger's entry: %q", why)
	}
}

// TestSeen: the boundaries and members an author knows at its causal
// point, for the keyring.
func TestSeen(t *testing.T) {
	w := newSpace(t, 'A', founders("A", "BC"))
	add := w.add('A', 'D', Member)
	rm := w.remove('A', 'B')
	s := w.reduce(w.all)
	before := s.Seen([]entry.ID{add.ID})
	if got := w.members(before.Members); got != "A:admin B:member C:member D:member" || len(before.Boundaries) != 0 || len(before.Applied) != 1 {
		t.Fatalf("before the removal: members %q, boundaries %v, applied %d", got, before.Boundaries, len(before.Applied))
	}
	after := s.Seen([]entry.ID{rm.ID})
	if got := w.members(after.Members); got != "A:admin C:member D:member" || len(after.Boundaries) != 1 || after.Boundaries[0].Entry != rm.ID || after.Boundaries[0].Account != acc(t, 'B') {
		t.Fatalf("after the removal: members %q, boundaries %+v", got, after.Boundaries)
	}
	if got := w.members(s.Seen(nil).Members); got != "A:admin B:member C:member" {
		t.Fatalf("having seen nothing: %q", got)
	}
}

// TestMemberFlood: a member's device writing junk (payloads that are not
// membership payloads) past MaxLogSeq: the entries beyond take no place in
// the graph, and the space keeps working.
func TestMemberFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("writes over two thousand entries")
	}
	w := newSpace(t, 'A', founders("A", "B"))
	w.certify('B')
	k := dev(t, 'B')
	var prev entry.ID
	junk := []byte{0xa1, 0x64, 't', 'y', 'p', 'e', 0x64, 'p', 'o', 's', 't'}
	for seq := uint64(1); seq <= MaxLogSeq+100; seq++ {
		e, err := entry.Sign(k, entry.Draft{LogID: entry.LogID(w.space), Seq: seq, Backlink: prev, Timestamp: seq, Payload: junk})
		if err != nil {
			t.Fatal(err)
		}
		prev = e.ID
		w.all = append(w.all, e)
	}
	added := w.add('A', 'C', Member)
	s := w.reduce(w.all)
	if got := w.members(s.Members); got != "A:admin B:member C:member" {
		t.Fatalf("members %q (%q)", got, s.Ignored[added.ID])
	}
	if n := len(s.r.g.es); n != MaxLogSeq+1 {
		t.Fatalf("%d entries in the graph, want %d", n, MaxLogSeq+1)
	}
	if why := s.Ignored[prev]; why != "beyond seq 2048 of a device's membership log" {
		t.Fatalf("the flood's last entry: %q", why)
	}
}
