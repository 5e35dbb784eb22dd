package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// syncHomes gives to every entry and blob from holds, through a bundle,
// as replication would.
func syncHomes(t *testing.T, from, to env) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "sync.kithbundle")
	from.ok(t, "export", "--out", f)
	to.ok(t, "import", f)
}

// idLine runs a command that prints one id and returns it.
func idLine(t *testing.T, e env, args ...string) string {
	t.Helper()
	out := e.ok(t, args...)
	id := strings.TrimSpace(out)
	if _, err := entry.ParseID(id); err != nil || out != id+"\n" {
		t.Fatalf("kith %s printed %q, want one entry id", strings.Join(args, " "), out)
	}
	return id
}

// village is a founded village of two locals, a and b, as both hold it.
type village struct {
	id     string
	a, b   env
	ao, bo initOut
}

func foundVillage(t *testing.T) village {
	t.Helper()
	v := village{a: newEnv(t), b: newEnv(t)}
	v.ao, v.bo = initHome(t, v.a), initHome(t, v.b)
	r := v.a.run(t, nil, "village", "found", "Elm street", "--with", v.bo.Account)
	v.id = strings.TrimSpace(r.stdout)
	if r.code != 0 || r.stdout != v.id+"\n" || !strings.HasPrefix(v.id, "ent_") {
		t.Fatalf("village found: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if want := "the founding completes when every co-founder has run 'kith village accept " + v.id + "'\n"; r.stderr != want {
		t.Errorf("village found: stderr %q, want %q", r.stderr, want)
	}
	syncHomes(t, v.a, v.b)
	idLine(t, v.b, "village", "accept", v.id)
	syncHomes(t, v.b, v.a)
	return v
}

func TestVillageFoundAndList(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	initHome(t, a)
	bo := initHome(t, b)
	if out := a.ok(t, "village", "list"); out != "no villages; found one with 'kith village found NAME --with acc_…'\n" {
		t.Errorf("empty village list prints %q", out)
	}
	var l wire.VillageList
	a.okJSON(t, &l, "village", "list")
	if l.Villages == nil || len(l.Villages) != 0 {
		t.Errorf("empty village list --json = %+v", l)
	}

	var fe wire.VillageEntry
	a.okJSON(t, &fe, "village", "found", "Elm street", "--with", bo.Account, "--admit", "unanimous", "--exclude", "majority")
	if fe.ID != fe.Village || !strings.HasPrefix(fe.ID, "ent_") {
		t.Fatalf("village found --json = %+v", fe)
	}
	id := fe.Village
	if out, want := a.ok(t, "village", "list"), id+"  founder           0 locals  Elm street  (founding: waiting for the founders to accept)\n"; out != want {
		t.Errorf("village list before the founding completes:\n%q\nwant\n%q", out, want)
	}
	// The co-founder's node lists it once the found entry has arrived.
	syncHomes(t, a, b)
	if out, want := b.ok(t, "village", "list"), id+"  founder           0 locals  Elm street  (founding: waiting for the founders to accept)\n"; out != want {
		t.Errorf("b: village list:\n%q\nwant\n%q", out, want)
	}
	var ae wire.VillageEntry
	b.okJSON(t, &ae, "village", "accept", id)
	if ae.Village != id || ae.ID == id || !strings.HasPrefix(ae.ID, "ent_") {
		t.Errorf("village accept --json = %+v", ae)
	}
	syncHomes(t, b, a)
	if out, want := a.ok(t, "village", "list"), id+"  local/active      2 locals  Elm street\n"; out != want {
		t.Errorf("village list after the founding:\n%q\nwant\n%q", out, want)
	}
	a.okJSON(t, &l, "village", "list")
	if len(l.Villages) != 1 || l.Villages[0] != (wire.VillageSummary{ID: id, Known: true, Name: "Elm street", Founded: true, Role: "local", Mode: "active", Locals: 2}) {
		t.Errorf("village list --json = %+v", l)
	}
	var v wire.Village
	a.okJSON(t, &v, "village", "show", id)
	if v.Admit != "unanimous" || v.Exclude != "majority" || !v.Founded {
		t.Errorf("charter = %+v", v)
	}
	// Accepting twice is refused by the village's rules: exit 1.
	r := b.run(t, nil, "village", "accept", id)
	if r.code != 1 || !strings.Contains(r.stderr, "already accepted") {
		t.Errorf("second accept: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestVillageShow(t *testing.T) {
	v := foundVillage(t)
	c, d := newEnv(t), newEnv(t)
	co, do := initHome(t, c), initHome(t, d)
	dir := t.TempDir()
	proof := filepath.Join(dir, "passport.txt")
	proofData := []byte("passport scan")
	if err := os.WriteFile(proof, proofData, 0o644); err != nil {
		t.Fatal(err)
	}
	proofID := blob.Sum(proofData).String()
	s1, s2 := strings.Repeat("ab", 64), strings.Repeat("cd", 64)
	// Their accounts (the individual halves): the short ids village show
	// prints and vote takes.
	acc1 := identity.Encode(identity.KindAccount, [32]byte(bytes.Repeat([]byte{0xab}, 32)))
	acc2 := identity.Encode(identity.KindAccount, [32]byte(bytes.Repeat([]byte{0xcd}, 32)))

	// c joins (two active locals: both must invite it). Every step of
	// another device follows a sync, so the entries' order is certain.
	idLine(t, v.a, "village", "invite", v.id, co.Account)
	idLine(t, v.b, "village", "invite", v.id, co.Account)
	syncHomes(t, v.b, v.a)
	syncHomes(t, v.a, c)
	idLine(t, c, "village", "join", v.id)
	syncHomes(t, c, v.a)
	syncHomes(t, v.a, v.b)

	idLine(t, v.a, "village", "userspec", v.id, "--mode", "active", "--name", "Ada", "--about", "counts things")
	var voted struct {
		ID, Village, Proof string
	}
	v.a.okJSON(t, &voted, "village", "vote", v.id, s1, "accept", "--proof", proof)
	if voted.Proof != proofID || voted.Village != v.id {
		t.Errorf("village vote --json = %+v, want proof %s", voted, proofID)
	}
	idLine(t, v.a, "village", "note", v.id, s1, "met at the market")
	idLine(t, v.b, "village", "vote", v.id, s1, "accept", "--proof", proof)
	idLine(t, v.b, "village", "vote", v.id, strings.ToUpper(s2), "veto")
	syncHomes(t, v.b, v.a)
	idLine(t, c, "village", "vote", v.id, acc1, "accept", "--proof", proof)
	syncHomes(t, c, v.a)
	// d is invited by a alone: not admitted (the majority of three is two).
	idLine(t, v.a, "village", "invite", v.id, do.Account)
	prop := idLine(t, v.a, "village", "exclude", v.id, v.bo.Account, "--reason", "gone quiet")

	A, B, C := v.ao.Account, v.bo.Account, co.Account
	ao, bo := v.ao, v.bo
	// The village lists devices in the order of their keys.
	want := "Elm street  " + v.id + "\n" +
		"charter   admit by majority, exclude by majority\n" +
		"          admit when more than half of the active locals agree;\n" +
		"          exclude when more than half of the active locals agree\n" +
		// People by their names in the village where they have one.
		"founders  " + strings.Join(inKeyOrder(line{ao, "Ada"}, line{bo, B}), ", ") + "\n" +
		"founded   yes\n" +
		"me        " + A + "\n" +
		"\n" +
		"locals (3)\n" +
		strings.Join(inKeyOrder(
			line{ao, "  " + A + "  active   local  \"Ada\" (me)\n"},
			line{bo, "  " + B + "  active   local\n"},
			line{co, "  " + C + "  active   local\n"}), "") +
		"\n" +
		"pending invitations (1)\n" +
		"  " + do.Account + "  invited by Ada; waiting for 1 more local to invite it (admit by majority)\n" +
		"\n" +
		"waiting on (1)\n" +
		"  " + do.Account + "  invitee, not joined: they may not have heard of the invitation yet: this node has not reached a device of theirs (0 tries); it keeps trying while it runs. Ask them to run kith, or to follow you (" + A + "): then they get the invitation by sync and can join (kith village join " + v.id + ")\n" +
		"\n" +
		"inbox (0)\n" +
		"\n" +
		"strangers (2)\n" +
		"  " + acc1 + "  accepted\n" +
		strings.Join(inKeyOrder(
			line{ao, "    vouched   Ada  proof " + proofID + "\n"},
			line{bo, "    vouched   " + B + "  proof " + proofID + "\n"},
			line{co, "    vouched   " + C + "  proof " + proofID + "\n"}), "") +
		"    note      Ada  \"met at the market\"\n" +
		"  " + acc2 + "  vetoed\n" +
		strings.Join(inKeyOrder(
			line{ao, "    deferred  Ada\n"},
			line{bo, "    vetoed    " + B + "\n"},
			line{co, "    deferred  " + C + "\n"}), "") +
		"\n" +
		"open exclusion proposals (1)\n" +
		"  " + prop + "  exclude " + B + ", proposed by Ada: \"gone quiet\"\n" +
		"    for Ada; against none; not voted " + C + "\n" +
		"\n" +
		"problems (0)\n"
	if out := v.a.ok(t, "village", "show", v.id); out != want {
		t.Errorf("village show:\n%s\nwant\n%s", out, want)
	}

	var got wire.Village
	v.a.okJSON(t, &got, "village", "show", v.id)
	if got.ID != v.id || got.Me != A || len(got.Locals) != 3 || len(got.Strangers) != 2 || len(got.Proposals) != 1 || got.Proposals[0].ID != prop {
		t.Errorf("village show --json = %+v", got)
	}

	// The proof blob came along with the vote.
	out := filepath.Join(dir, "proof.out")
	v.a.ok(t, "blob", "get", proofID, "--out", out)
	if b, err := os.ReadFile(out); err != nil || string(b) != string(proofData) {
		t.Errorf("proof blob: %q, %v", b, err)
	}
}

func TestVillageVote(t *testing.T) {
	v := foundVillage(t)
	s := strings.Repeat("0f", 64)
	// A blob stored already stands for the proof.
	added := strings.TrimSpace(v.a.ok(t, "blob", "add", writeFile(t, "id card")))
	idLine(t, v.a, "village", "vote", v.id, s, "accept", "--proof", added)
	var got wire.Village
	v.a.okJSON(t, &got, "village", "show", v.id)
	if len(got.Strangers) != 1 || got.Strangers[0].Standing != "acknowledged" || voteOf(got.Strangers[0], v.ao.Account).Proof != added {
		t.Errorf("strangers = %+v", got.Strangers)
	}
	idLine(t, v.b, "village", "vote", v.id, s, "defer")
	// Back to deferred is refused by the rules: exit 1 with the reason.
	r := v.a.run(t, nil, "village", "vote", v.id, s, "defer")
	if r.code != 1 || !strings.Contains(r.stderr, "never returns to deferred") {
		t.Errorf("vote back to defer: exit %d, stderr %q", r.code, r.stderr)
	}
	r = v.a.run(t, nil, "village", "vote", v.id, s, "accept", "--proof", filepath.Join(t.TempDir(), "absent.jpg"))
	if r.code != 1 || !strings.Contains(r.stderr, "proof") || !strings.Contains(r.stderr, "absent.jpg") {
		t.Errorf("vote with a missing proof file: exit %d, stderr %q", r.code, r.stderr)
	}
	// Of two active locals, b cannot turn passive: the CLI says why and
	// what to do, and nothing is published.
	r = v.b.run(t, nil, "village", "userspec", v.id, "--mode", "passive", "--name", "Bo")
	if r.code != 1 || !strings.Contains(r.stderr, "a village keeps at least 2 active locals and your account is one of the 2") ||
		!strings.Contains(r.stderr, "invite one, or ask a passive local to turn active") {
		t.Errorf("userspec passive of two active: exit %d, stderr %q", r.code, r.stderr)
	}
	v.b.okJSON(t, &got, "village", "show", v.id)
	if l := localOf(got, v.bo.Account); l.Mode != "active" || l.Name != "" || len(got.Problems) != 0 {
		t.Errorf("after the refused userspec b is %+v, problems %q", l, got.Problems)
	}
	// A third local, c, accepts too; then b may turn passive, and its
	// vote follows the active locals'.
	c := newEnv(t)
	co := initHome(t, c)
	idLine(t, v.a, "village", "invite", v.id, co.Account)
	idLine(t, v.b, "village", "invite", v.id, co.Account)
	syncHomes(t, v.b, v.a)
	syncHomes(t, v.a, c)
	idLine(t, c, "village", "join", v.id)
	idLine(t, c, "village", "vote", v.id, s, "accept", "--proof", added)
	syncHomes(t, c, v.b)
	idLine(t, v.b, "village", "userspec", v.id, "--mode", "passive", "--name", "Bo")
	syncHomes(t, v.b, v.a)
	v.a.okJSON(t, &got, "village", "show", v.id)
	if bv := voteOf(got.Strangers[0], v.bo.Account); !bv.Mechanical || bv.Vote != "accept" || bv.Proof != added || got.Strangers[0].Standing != "accepted" {
		t.Errorf("after b turned passive: %+v", got.Strangers[0])
	}
	out := v.a.ok(t, "village", "show", v.id)
	for _, want := range []string{
		"  " + v.bo.Account + "  passive  local  \"Bo\"\n",
		"    vouched   Bo  proof " + added + "  (passive: follows the active locals)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("village show lacks %q:\n%s", want, out)
		}
	}
}

// localOf returns the local whose key is key.
func localOf(v wire.Village, key string) wire.VillageLocal {
	for _, l := range v.Locals {
		if l.Key == key {
			return l
		}
	}
	return wire.VillageLocal{}
}

// voteOf returns the vote of local on s.
func voteOf(s wire.VillageStranger, local string) wire.VillageVote {
	for _, v := range s.Votes {
		if v.Local == local {
			return v
		}
	}
	return wire.VillageVote{}
}

// line is a line of output about one local (an account).
type line struct {
	dev  initOut
	text string
}

// inKeyOrder returns the lines in the order of their accounts' public keys.
func inKeyOrder(ls ...line) []string {
	slices.SortFunc(ls, func(a, b line) int { return strings.Compare(a.dev.AccountPublicKey, b.dev.AccountPublicKey) })
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.text
	}
	return out
}

// writeFile writes data to a new file and returns its path.
func writeFile(t *testing.T, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVillageJoinLeave(t *testing.T) {
	v := foundVillage(t)
	c := newEnv(t)
	co := initHome(t, c)
	var ie wire.VillageEntry
	v.a.okJSON(t, &ie, "village", "invite", v.id, co.Account)
	if ie.Village != v.id {
		t.Errorf("village invite --json = %+v", ie)
	}
	// Two active locals: the majority is both.
	if out := v.a.ok(t, "village", "show", v.id); !strings.Contains(out, "pending invitations (1)\n  "+co.Account+"  invited by "+v.ao.Account+"; waiting for 1 more local to invite it (admit by majority)\n") {
		t.Errorf("village show lacks the pending invitation:\n%s", out)
	}
	syncHomes(t, v.a, v.b)
	idLine(t, v.b, "village", "invite", v.id, co.Account)
	syncHomes(t, v.b, v.a)
	endorsers := strings.Join(inKeyOrder(line{v.ao, v.ao.Account}, line{v.bo, v.bo.Account}), ", ")
	if out := v.a.ok(t, "village", "show", v.id); !strings.Contains(out, "pending invitations (1)\n  "+co.Account+"  invited by "+endorsers+"; admitted, waiting for it to join\n") {
		t.Errorf("village show lacks the admitted invitation:\n%s", out)
	}
	syncHomes(t, v.a, c)
	if out, want := c.ok(t, "village", "list"), v.id+"  invitee           2 locals  Elm street\n"; out != want {
		t.Errorf("invitee's village list:\n%q\nwant\n%q", out, want)
	}
	idLine(t, c, "village", "join", v.id)
	if out, want := c.ok(t, "village", "list"), v.id+"  local/active      3 locals  Elm street\n"; out != want {
		t.Errorf("village list after joining:\n%q\nwant\n%q", out, want)
	}
	// A local with no name in the village shows by its profile's name.
	c.ok(t, "profile", "set", "--name", "Cleo")
	if out := c.ok(t, "village", "show", v.id); !strings.Contains(out, "  "+co.Account+"  active   local  \"Cleo\" (profile) (me)\n") {
		t.Errorf("village show lacks the profile name:\n%s", out)
	}
	idLine(t, c, "village", "leave", v.id)
	if out, want := c.ok(t, "village", "list"), v.id+"  left              2 locals  Elm street\n"; out != want {
		t.Errorf("village list after leaving:\n%q\nwant\n%q", out, want)
	}
	r := c.run(t, nil, "village", "leave", v.id)
	if r.code != 1 || !strings.Contains(r.stderr, "not a local") {
		t.Errorf("leaving twice: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestVillageExclusion(t *testing.T) {
	v := foundVillage(t)
	c := newEnv(t)
	co := initHome(t, c)
	idLine(t, v.a, "village", "invite", v.id, co.Account)
	idLine(t, v.b, "village", "invite", v.id, co.Account)
	syncHomes(t, v.b, v.a)
	syncHomes(t, v.a, c)
	idLine(t, c, "village", "join", v.id)
	syncHomes(t, c, v.a)

	var pe wire.VillageEntry
	v.a.okJSON(t, &pe, "village", "exclude", v.id, v.bo.Account, "--reason", "gone quiet")
	var got wire.Village
	v.a.okJSON(t, &got, "village", "show", v.id)
	if len(got.Locals) != 3 || len(got.Proposals) != 1 || got.Proposals[0].Outcome != "open" {
		t.Fatalf("before c votes: locals %+v, proposals %+v", got.Locals, got.Proposals)
	}
	syncHomes(t, v.a, c)
	idLine(t, c, "village", "exclude-vote", v.id, pe.ID, "for")
	syncHomes(t, c, v.a)
	v.a.okJSON(t, &got, "village", "show", v.id)
	if len(got.Proposals) != 1 || got.Proposals[0].Outcome != "passed" || got.Proposals[0].Reason != "gone quiet" {
		t.Fatalf("proposals = %+v", got.Proposals)
	}
	if out := v.a.ok(t, "village", "show", v.id); !strings.Contains(out, "  "+v.bo.Account+"  active   excluded\n") || !strings.Contains(out, "open exclusion proposals (0)\n") {
		t.Errorf("village show after the exclusion:\n%s", out)
	}
	r := v.a.run(t, nil, "village", "exclude-vote", v.id, pe.ID, "against")
	if r.code != 1 || !strings.Contains(r.stderr, "closed") {
		t.Errorf("vote on a closed proposal: exit %d, stderr %q", r.code, r.stderr)
	}
	r = v.a.run(t, nil, "village", "exclude", v.id, v.ao.Account, "--reason", "me")
	if r.code != 1 || !strings.Contains(r.stderr, "itself") {
		t.Errorf("excluding oneself: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestVillageStateChain(t *testing.T) {
	v := foundVillage(t)
	var p wire.VillageStatePublished
	v.a.okJSON(t, &p, "village", "state", v.id)
	if p.Village != v.id || len(p.State.Commitment) != 64 || p.State.Components.Previous != strings.Repeat("0", 64) {
		t.Fatalf("village state --json = %+v", p)
	}
	out := v.a.ok(t, "village", "state", v.id)
	fields := strings.Fields(out)
	if len(fields) != 4 || !strings.HasPrefix(fields[0], "ent_") || fields[2] != "commitment" || !hex64.MatchString(fields[3]) {
		t.Fatalf("village state prints %q", out)
	}
	var ch wire.VillageChain
	v.a.okJSON(t, &ch, "village", "chain", v.id, v.ao.Account)
	if !ch.OK || len(ch.States) != 2 || ch.States[0].ID != p.State.ID || ch.States[1].ID != fields[0] {
		t.Fatalf("village chain --json = %+v", ch)
	}
	want := v.ao.Account + ": 2 states; the audit found nothing wrong\n"
	for _, s := range ch.States {
		want += fmt.Sprintf("  #%-4d %s  commitment %s  seen %d\n", s.Seq, s.ID, s.Commitment, s.Seen)
	}
	if out := v.a.ok(t, "village", "chain", v.id, v.ao.Account); out != want {
		t.Errorf("village chain:\n%q\nwant\n%q", out, want)
	}
	if out, want := v.a.ok(t, "village", "chain", v.id, v.bo.Account), v.bo.Account+": 0 states; the audit found nothing wrong\n"; out != want {
		t.Errorf("village chain of b: %q, want %q", out, want)
	}
}

func TestVillageUsageErrors(t *testing.T) {
	e := newEnv(t)
	me := initHome(t, e)
	other := initHome(t, newEnv(t))
	unknown := entry.ID{1}.String()
	s := strings.Repeat("ab", 64)
	proof := writeFile(t, "scan")
	for _, c := range []struct {
		args   []string
		code   int
		inErr  string
		inJSON string // the --json error code
	}{
		{[]string{"village"}, 2, "needs a subcommand", "usage"},
		{[]string{"village", "found", "V"}, 2, "--with", "usage"},
		{[]string{"village", "found", "V", "--with", other.Device}, 2, "--with", "usage"},
		{[]string{"village", "found", "V", "--with", other.Account, "--admit", "all"}, 2, "--admit", "usage"},
		{[]string{"village", "found", "V", "--with", other.Account, "--exclude", "some"}, 2, "--exclude", "usage"},
		{[]string{"village", "found", " ", "--with", other.Account}, 2, "NAME", "usage"},
		{[]string{"village", "found", "--with", other.Account}, 2, "usage: kith village found", "usage"},
		{[]string{"village", "list", "x"}, 2, "usage: kith village list", "usage"},
		{[]string{"village", "show"}, 2, "usage: kith village show", "usage"},
		{[]string{"village", "show", "elm"}, 2, "VILLAGE_ID", "usage"},
		{[]string{"village", "show", me.Account}, 2, "VILLAGE_ID", "usage"},
		{[]string{"village", "accept", "x"}, 2, "VILLAGE_ID", "usage"},
		{[]string{"village", "join"}, 2, "usage: kith village join", "usage"},
		{[]string{"village", "leave", unknown, "x"}, 2, "usage: kith village leave", "usage"},
		{[]string{"village", "invite", unknown, other.Device}, 2, "ACCOUNT", "usage"},
		{[]string{"village", "userspec", unknown}, 2, "--mode", "usage"},
		{[]string{"village", "userspec", unknown, "--mode", "lazy"}, 2, "--mode", "usage"},
		{[]string{"village", "vote", unknown, "abc", "veto"}, 2, "STRANGER", "usage"},
		{[]string{"village", "vote", unknown, s + "00", "veto"}, 2, "STRANGER", "usage"},
		{[]string{"village", "vote", unknown, s, "yes"}, 2, "vote", "usage"},
		{[]string{"village", "vote", unknown, s, "accept"}, 2, "--proof", "usage"},
		{[]string{"village", "vote", unknown, s, "veto", "--proof", proof}, 2, "--proof", "usage"},
		{[]string{"village", "note", unknown, s}, 2, "usage: kith village note", "usage"},
		{[]string{"village", "note", unknown, "x", "text"}, 2, "STRANGER", "usage"},
		{[]string{"village", "exclude", unknown, other.Account}, 2, "--reason", "usage"},
		{[]string{"village", "exclude", unknown, "bob", "--reason", "r"}, 2, "ACCOUNT", "usage"},
		{[]string{"village", "exclude-vote", unknown, "p", "for"}, 2, "PROPOSAL", "usage"},
		{[]string{"village", "exclude-vote", unknown, unknown, "maybe"}, 2, "vote", "usage"},
		{[]string{"village", "state"}, 2, "usage: kith village state", "usage"},
		{[]string{"village", "chain", unknown}, 2, "usage: kith village chain", "usage"},
		{[]string{"village", "chain", unknown, "x"}, 2, "ACCOUNT", "usage"},
		{[]string{"village", "show", "--nope", unknown}, 2, "nope", "usage"},
		// A village not held here: exit 1, named, with what to do.
		{[]string{"village", "show", unknown}, 1, "no village " + unknown + " is held here", "failed"},
		{[]string{"village", "accept", unknown}, 1, "no village " + unknown + " is held here", "failed"},
		{[]string{"village", "join", unknown}, 1, "'kith village list'", "failed"},
		{[]string{"village", "invite", unknown, other.Account}, 1, "no village " + unknown, "failed"},
		{[]string{"village", "userspec", unknown, "--mode", "passive"}, 1, "no village " + unknown, "failed"},
		{[]string{"village", "vote", unknown, s, "accept", "--proof", proof}, 1, "no village " + unknown, "failed"},
		{[]string{"village", "note", unknown, s, "hello"}, 1, "no village " + unknown, "failed"},
		{[]string{"village", "exclude", unknown, other.Account, "--reason", "r"}, 1, "no village " + unknown, "failed"},
		{[]string{"village", "exclude-vote", unknown, unknown, "for"}, 1, "no village " + unknown, "failed"},
		{[]string{"village", "state", unknown}, 1, "no village " + unknown, "failed"},
		{[]string{"village", "chain", unknown, other.Account}, 1, "no village " + unknown, "failed"},
		{[]string{"village", "request", unknown, "hi"}, 2, "--to", "usage"},
		{[]string{"village", "request", unknown, "--to", other.Account, "hi"}, 2, "--to", "usage"},
		{[]string{"village", "request", unknown, "--to", other.Device, " "}, 2, "TEXT", "usage"},
		{[]string{"village", "request", unknown, "--to", other.Device}, 2, "usage: kith village request", "usage"},
		{[]string{"village", "request", unknown, "--to", other.Device, "hi"}, 1, "kith serve", "failed"},
	} {
		r := e.run(t, nil, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.inErr) || r.stdout != "" {
			t.Errorf("kith %s: exit %d, stdout %q, stderr %q; want exit %d and %q", strings.Join(c.args, " "), r.code, r.stdout, r.stderr, c.code, c.inErr)
		}
		r = e.run(t, nil, append([]string{"--json"}, c.args...)...)
		if r.code != c.code {
			t.Errorf("kith --json %s: exit %d, want %d", strings.Join(c.args, " "), r.code, c.code)
		}
		checkJSONError(t, r.stderr, c.inJSON, c.inErr)
	}
}

// TestVillageThroughAPI: the village commands print the same through the
// API of a running node as directly, and write through it.
func TestVillageThroughAPI(t *testing.T) {
	v := foundVillage(t)
	s := strings.Repeat("ab", 64)
	idLine(t, v.a, "village", "vote", v.id, s, "accept", "--proof", writeFile(t, "scan"))
	idLine(t, v.a, "village", "note", v.id, s, "seen twice")
	v.a.ok(t, "village", "state", v.id)
	unknown := entry.ID{1}.String()
	reads := [][]string{
		{"village", "list"}, {"--json", "village", "list"},
		{"village", "show", v.id}, {"--json", "village", "show", v.id},
		{"village", "chain", v.id, v.ao.Account}, {"--json", "village", "chain", v.id, v.ao.Account},
		{"village", "show", unknown}, {"--json", "village", "show", unknown},
		{"village", "accept", v.id},
		{"village", "exclude", v.id, v.ao.Account, "--reason", "r"},
	}
	direct := v.a.runs(t, reads)
	serveHome(t, v.a)
	viaAPI := v.a.runs(t, reads)
	for i := range reads {
		if viaAPI[i] != direct[i] {
			t.Errorf("kith %s\nthrough the API: exit %d\nstdout %q\nstderr %q\ndirectly: exit %d\nstdout %q\nstderr %q",
				strings.Join(reads[i], " "), viaAPI[i].code, viaAPI[i].stdout, viaAPI[i].stderr, direct[i].code, direct[i].stdout, direct[i].stderr)
		}
	}
	// Writes go through the running node too, the proof file as a blob.
	t2 := strings.Repeat("cd", 64)
	var voted struct{ ID, Village, Proof string }
	data := "another scan"
	v.a.okJSON(t, &voted, "village", "vote", v.id, t2, "accept", "--proof", writeFile(t, data))
	if voted.Proof != blob.Sum([]byte(data)).String() {
		t.Errorf("vote through the API: %+v", voted)
	}
	idLine(t, v.a, "village", "userspec", v.id, "--mode", "active", "--name", "Ada")
	var got wire.Village
	v.a.okJSON(t, &got, "village", "show", v.id)
	var name string
	for _, l := range got.Locals {
		if l.Key == got.Me {
			name = l.Name
		}
	}
	if len(got.Strangers) != 2 || name != "Ada" {
		t.Errorf("after writes through the API: %+v", got)
	}
}

// TestVillageShowWaiting: before a co-founder accepts, the founder's
// village show says who the village waits on, that this node has not
// reached them, and what to do.
func TestVillageShowWaiting(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	ao := initHome(t, a)
	bo := initHome(t, b)
	id := idLine(t, a, "village", "found", "Elm street", "--with", bo.Account)
	out := a.ok(t, "village", "show", id)
	for _, want := range []string{
		"\nwaiting on (1)\n  " + bo.Account + "  founder, not reached: they may not have heard of the village yet",
		"Ask them to run kith, or to follow you (" + ao.Account + ")",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("village show lacks %q:\n%s", want, out)
		}
	}
	var got wire.Village
	a.okJSON(t, &got, "village", "show", id)
	if len(got.Waiting) != 1 || got.Waiting[0].Account != bo.Account || got.Waiting[0].As != "founder" || got.Waiting[0].Reached {
		t.Errorf("village show --json waiting = %+v", got.Waiting)
	}
}
