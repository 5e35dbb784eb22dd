package message

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/cryptotest"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/seal/vectortest"
)

const vectorsPath = "testdata/message-vectors.json"

type hexb = vectortest.Hex

type vDevice struct {
	Device  hexb   `json:"device"`
	Account hexb   `json:"account"`
	KEM     uint16 `json:"kem"`
	IKM     hexb   `json:"ikm"`
}

type vConversation struct {
	Creator      hexb `json:"creator"`
	Secret       hexb `json:"secret"`
	ConvID       hexb `json:"conv_id"`
	MsgKey       hexb `json:"msg_key"`
	LogKey       hexb `json:"log_key"`
	Stored       hexb `json:"stored"`
	CreatorLogID hexb `json:"creator_log_id"`
}

// vPayload is one entry payload of the conversation, at its position.
// Entry ids are made up (SHA-256 of "vector" and the payload): threading
// takes them as given.
type vPayload struct {
	What    string `json:"what"`
	Author  hexb   `json:"author"`
	LogID   hexb   `json:"log_id"`
	Seq     uint64 `json:"seq"`
	EntryID hexb   `json:"entry_id"`
	Payload hexb   `json:"payload"`
	// For a sealed message: its time and body.
	TimeMs uint64 `json:"time_ms,omitempty"`
	Body   hexb   `json:"body,omitempty"`
	// For an announcement part: its public epoch id and who opens it.
	Epoch  hexb  `json:"epoch,omitempty"`
	Opened []int `json:"opened_by,omitempty"` // indexes into recipients (new device: len(recipients); the creator, for a renewal: len(recipients)+1)
	// Renewal: the part is the renewal of §11 (opened with
	// OpenRenewal); Generation: the generation a message is sealed
	// under (0, or 1: the renewal's).
	Renewal    bool `json:"renewal,omitempty"`
	Generation int  `json:"generation,omitempty"`
}

// vRenewal is the generation of §11 the vectors renew the key with, and
// everything derived from it.
type vRenewal struct {
	Maker   hexb   `json:"maker"`
	Number  uint16 `json:"number"`
	Revoked []hexb `json:"revoked"` // the revoked devices it leaves out
	Covered hexb   `json:"covered"`
	Key     hexb   `json:"key"`
	Tag     hexb   `json:"tag"`
	Wrapped hexb   `json:"wrapped"` // the 64 bytes: key ‖ number ‖ covered ‖ tag
	GenID   hexb   `json:"gen_id"`
	MsgKey  hexb   `json:"msg_key"`
	Stored  hexb   `json:"stored"`
}

type vInvalid struct {
	Name    string `json:"name"`
	Decoder string `json:"decoder"` // "body", "message" (at the reply's position), "announcement" (recipient 0, at Position), "stored", "renewal" (recipient 0, at Position), "message-gen0" (at Position, generation 0 only), "stored-generation"
	Author  hexb   `json:"author,omitempty"`
	LogID   hexb   `json:"log_id,omitempty"`
	Seq     uint64 `json:"seq,omitempty"`
	Input   hexb   `json:"input"`
	Outcome string `json:"outcome"`
}

type vectors struct {
	Comment      string        `json:"comment"`
	MsgSpace     hexb          `json:"msg_space"`
	Creator      vDevice       `json:"creator"`
	Recipients   []vDevice     `json:"recipients"`
	NewDevice    vDevice       `json:"new_device"`
	Conversation vConversation `json:"conversation"`
	Renewal      vRenewal      `json:"renewal"`
	Payloads     []vPayload    `json:"payloads"`
	Thread       []hexb        `json:"thread_order"`
	Invalid      []vInvalid    `json:"invalid"`
}

func vid(payload []byte) entry.ID {
	return entry.ID(sha256.Sum256(append([]byte("vector"), payload...)))
}

func vdev(t testing.TB, n byte, account byte, kem uint16) (vDevice, device) {
	ikm := bytes.Repeat([]byte{n}, 32)
	dk, err := seal.DeriveDecryptionKey(kem, ikm)
	if err != nil {
		t.Fatal(err)
	}
	d := device{id: ID(bytes.Repeat([]byte{n ^ 0xd0}, 32)), dk: dk}
	a := acct(account)
	return vDevice{d.id[:], a[:], kem, ikm}, d
}

func makeVectors(t *testing.T) *vectors {
	cryptotest.SetGlobalRandom(t, 13)
	v := &vectors{Comment: "doc/protocol/messages.md; regenerate with go test ./internal/message -run TestVectors -update", MsgSpace: MsgSpace[:]}
	var creator device
	v.Creator, creator = vdev(t, 0x01, 1, seal.KEMHybrid)
	var ds []device
	for i, c := range []struct {
		account byte
		kem     uint16
	}{{1, seal.KEMHybrid}, {2, seal.KEMHybrid}, {2, seal.KEMHybrid}, {3, seal.KEMHybrid}, {3, seal.KEMX25519}} {
		vd, d := vdev(t, byte(0x10+i), c.account, c.kem)
		v.Recipients = append(v.Recipients, vd)
		ds = append(ds, d)
	}
	var newDev device
	v.NewDevice, newDev = vdev(t, 0x20, 2, seal.KEMHybrid)

	participants := []identity.PublicKey{acct(1), acct(2), acct(3)}
	st, err := Start(creator.id, recipients(ds), &Message{Text: "Dinner on Friday?", Subject: "Friday", Participants: participants}, 1765036800000)
	if err != nil {
		t.Fatal(err)
	}
	c := st.Conv
	stored, _ := c.MarshalBinary()
	v.Conversation = vConversation{c.Creator[:], c.Secret[:], hexOf(c.ID()), c.msgKey[:], c.logKey[:], stored, st.LogID[:]}
	var items []Item
	add := func(what string, author device, seq uint64, p []byte, timeMs uint64, m *Message) {
		lid := c.LogID(author.id)
		vp := vPayload{What: what, Author: author.id[:], LogID: lid[:], Seq: seq, Payload: p}
		e := vid(p)
		vp.EntryID = e[:]
		if m != nil {
			vp.TimeMs = timeMs
			vp.Body, _ = EncodeBody(m)
			var account identity.PublicKey
			copy(account[:], v.Creator.Account)
			for i, d := range ds {
				if d.id == author.id {
					copy(account[:], v.Recipients[i].Account)
				}
			}
			items = append(items, Item{ID: e, Author: author.id, Account: account, Seq: seq, Msg: m})
		} else {
			a, err := seal.DecodeAnnouncement(p)
			if err != nil {
				t.Fatal(err)
			}
			vp.Epoch = a.Epoch[:]
			for i, d := range append(cloneDevices(ds), newDev) {
				if _, err := OpenAnnouncement(d.id, d.dk, Position{Author: author.id, LogID: lid, Seq: seq}, p); err == nil {
					vp.Opened = append(vp.Opened, i)
				}
			}
		}
		v.Payloads = append(v.Payloads, vp)
	}
	nparts := len(st.Payloads) - 1
	for i, p := range st.Payloads[:nparts] {
		add("announcement part", creator, uint64(i+1), p, 0, nil)
	}
	startM := &Message{Text: "Dinner on Friday?", Subject: "Friday", Participants: participants}
	add("start", creator, uint64(nparts+1), st.Payloads[nparts], 1765036800000, startM)
	bob := ds[1]
	reply := &Message{Text: "Yes! 7pm?", ReplyTo: vid(st.Payloads[nparts])}
	rp, err := Seal(c, pos(bob.id, c, 1), 1765036860000, reply)
	if err != nil {
		t.Fatal(err)
	}
	add("reply by recipient 1", bob, 1, rp, 1765036860000, reply)
	carolReply := &Message{Text: "Count me in", ReplyTo: vid(st.Payloads[nparts]), Refs: []entry.ID{vid(rp)}}
	cp, err := Seal(c, pos(ds[3].id, c, 1), 1765036870000, carolReply)
	if err != nil {
		t.Fatal(err)
	}
	add("reply by recipient 3, having seen recipient 1's", ds[3], 1, cp, 1765036870000, carolReply)
	rparts, err := c.Reannounce(bob.id, recipients([]device{newDev}))
	if err != nil {
		t.Fatal(err)
	}
	add("re-announcement by recipient 1 to its account's new device", bob, 2, rparts[0], 0, nil)

	// Recipient 2 (account 2's other device) is revoked; recipient 3
	// renews the key for every other device, and recipient 1 writes under
	// the new generation.
	carol := ds[3]
	revoked := ds[2].id
	gen, err := c.NewGeneration(carol.id, 1, CoveredOf([]ID{revoked}))
	if err != nil {
		t.Fatal(err)
	}
	k, rest := gen.material(c)
	v.Renewal = vRenewal{Maker: carol.id[:], Number: 1, Revoked: []hexb{revoked[:]}, Covered: gen.Covered[:], Key: k[:], Tag: rest[16:],
		Wrapped: append(k[:], rest[:]...), GenID: hexOf(gen.id), MsgKey: gen.msgKey[:], Stored: c.MarshalGeneration(gen)}
	others := []device{creator, ds[0], ds[1], ds[4], newDev}
	gparts, err := c.Renew(carol.id, gen, recipients(others))
	if err != nil {
		t.Fatal(err)
	}
	cpos := pos(carol.id, c, 2)
	{
		a, err := seal.DecodeAnnouncement(gparts[0])
		if err != nil {
			t.Fatal(err)
		}
		vp := vPayload{What: "renewal by recipient 3 after recipient 2 was revoked", Author: carol.id[:], LogID: cpos.LogID[:], Seq: 2, Payload: gparts[0], Epoch: a.Epoch[:], Renewal: true}
		e := vid(gparts[0])
		vp.EntryID = e[:]
		for i, d := range append(append(cloneDevices(ds), newDev), creator) {
			if _, err := c.OpenRenewal(d.id, d.dk, cpos, gparts[0], nil); err == nil {
				vp.Opened = append(vp.Opened, i)
			}
		}
		v.Payloads = append(v.Payloads, vp)
	}
	after := &Message{Text: "Sorry, lost my phone", ReplyTo: vid(cp)}
	ap, err := SealIn(c, gen, pos(bob.id, c, 3), 1765036900000, after)
	if err != nil {
		t.Fatal(err)
	}
	add("reply by recipient 1 under the new generation", bob, 3, ap, 1765036900000, after)
	v.Payloads[len(v.Payloads)-1].Generation = 1
	th := BuildThread(creator.id, items)
	for _, e := range th.Order {
		v.Thread = append(v.Thread, hexOf(ID(e)))
	}

	// Invalid inputs.
	good, _ := EncodeBody(reply)
	for _, b := range badBodies() {
		v.Invalid = append(v.Invalid, vInvalid{Name: b.name, Decoder: "body", Input: b.in, Outcome: outcome(decodeErr(b.in))})
	}
	_ = good
	at := pos(bob.id, c, 1)
	for name, in := range map[string][]byte{
		"truncated":     rp[:len(rp)-1],
		"version 2":     append([]byte{2}, rp[1:]...),
		"tag flipped":   append(bytes.Clone(rp[:len(rp)-1]), rp[len(rp)-1]^1),
		"nonce flipped": append(append([]byte{1}, rp[1]^1), rp[2:]...),
		"carol's reply": cp,
	} {
		_, err := Open(c, at, in)
		v.Invalid = append(v.Invalid, vInvalid{Name: name, Decoder: "message", Input: in, Outcome: outcome(err)})
	}
	p0 := Position{Author: creator.id, LogID: st.LogID, Seq: 1}
	for _, a := range []struct {
		name string
		at   Position
		in   []byte
	}{
		{"another author", Position{Author: bob.id, LogID: c.LogID(bob.id), Seq: 1}, st.Payloads[0]},
		{"another log", Position{Author: creator.id, LogID: ID(bytes.Repeat([]byte{0x10}, 32)), Seq: 1}, st.Payloads[0]},
		{"the re-announcement for another device", Position{Author: bob.id, LogID: c.LogID(bob.id), Seq: 2}, rparts[0]},
		{"a sealed message", p0, rp},
	} {
		_, err := OpenAnnouncement(ds[0].id, ds[0].dk, a.at, a.in)
		v.Invalid = append(v.Invalid, vInvalid{Name: a.name, Decoder: "announcement", Author: a.at.Author[:], LogID: a.at.LogID[:], Seq: a.at.Seq, Input: a.in, Outcome: outcome(err)})
	}
	for name, in := range map[string][]byte{"64 bytes": stored[:64], "version 2": append([]byte{2}, stored[1:]...)} {
		_, err := ParseConversation(in)
		v.Invalid = append(v.Invalid, vInvalid{Name: name, Decoder: "stored", Input: in, Outcome: outcome(err)})
	}
	// Invalid renewals, opened by recipient 0 (candidate makers: none
	// but the author).
	badTag, n0 := rest, rest
	badTag[31] ^= 1
	n0[0], n0[1] = 0, 0
	r0 := recipients(ds[:1])
	for _, a := range []struct {
		name string
		at   Position
		in   []byte
	}{
		{"bad binding (tag)", cpos, rawRenewal(t, carol.id, k, badTag, r0)[0]},
		{"generation number 0", cpos, rawRenewal(t, carol.id, k, n0, r0)[0]},
		{"for someone else (the revoked device)", cpos, rawRenewal(t, carol.id, k, rest, recipients(ds[2:3]))[0]},
		{"another log", Position{Author: carol.id, LogID: c.LogID(bob.id), Seq: 2}, gparts[0]},
		{"another author", pos(bob.id, c, 2), gparts[0]},
		{"maker not a candidate (another announcer)", pos(bob.id, c, 4), rawRenewal(t, bob.id, k, rest, r0)[0]},
	} {
		_, err := c.OpenRenewal(ds[0].id, ds[0].dk, a.at, a.in, nil)
		v.Invalid = append(v.Invalid, vInvalid{Name: a.name, Decoder: "renewal", Author: a.at.Author[:], LogID: a.at.LogID[:], Seq: a.at.Seq, Input: a.in, Outcome: outcome(err)})
	}
	at3 := pos(bob.id, c, 3)
	_, err = Open(c, at3, ap)
	v.Invalid = append(v.Invalid, vInvalid{Name: "a message under the new generation, for a holder of generation 0 only (the revoked device)", Decoder: "message-gen0", Author: at3.Author[:], LogID: at3.LogID[:], Seq: at3.Seq, Input: ap, Outcome: outcome(err)})
	gstored := c.MarshalGeneration(gen)
	for name, in := range map[string][]byte{"96 bytes": gstored[:96], "another maker": append(append([]byte{1}, bob.id[:]...), gstored[33:]...)} {
		_, err := c.ParseGeneration(in)
		v.Invalid = append(v.Invalid, vInvalid{Name: name, Decoder: "stored-generation", Input: in, Outcome: outcome(err)})
	}
	sortInvalid(v.Invalid)
	return v
}

func cloneDevices(ds []device) []device { return append([]device(nil), ds...) }

func hexOf(x ID) hexb { return hexb(bytes.Clone(x[:])) }

func decodeErr(b []byte) error { _, err := DecodeBody(b); return err }

// outcome is the sentinel an error wraps, then its text.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	for _, e := range []struct {
		err  error
		name string
	}{{ErrWrongLog, "ErrWrongLog"}, {ErrNotRenewal, "ErrNotRenewal"}, {ErrSecondRenewal, "ErrSecondRenewal"}, {ErrNotForMe, "ErrNotForMe"}, {ErrEpochMismatch, "ErrEpochMismatch"}, {ErrNotDecrypted, "ErrNotDecrypted"}, {ErrMalformed, "ErrMalformed"}} {
		if errors.Is(err, e.err) {
			return e.name + ": " + err.Error()
		}
	}
	return "other: " + err.Error()
}

// sortInvalid orders the invalid inputs by decoder, then name.
func sortInvalid(in []vInvalid) {
	slices.SortStableFunc(in, func(a, b vInvalid) int { return strings.Compare(a.Decoder+a.Name, b.Decoder+b.Name) })
}

// TestVectors checks testdata/message-vectors.json from its bytes, as a
// second implementation would, and that this code still writes exactly it.
func TestVectors(t *testing.T) {
	vectortest.Golden(t, vectorsPath, makeVectors(t), "doc/protocol/messages.md", checkVectors)
}

func checkVectors(t *testing.T, v *vectors) {
	if ID(v.MsgSpace) != sha256.Sum256([]byte("kith-msg-v1\x00")) {
		t.Error("msg_space is not SHA-256(\"kith-msg-v1\\0\")")
	}
	devs := append(append([]vDevice{}, v.Recipients...), v.NewDevice)
	keys := make([]*seal.DecryptionKey, len(devs))
	for i, d := range devs {
		dk, err := seal.DeriveDecryptionKey(d.KEM, d.IKM)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = dk
	}
	cv := v.Conversation
	// The derivations of §1, written out.
	h := sha256.New()
	h.Write([]byte("kith-msg-conversation-v1\x00"))
	h.Write(cv.Creator)
	h.Write(cv.Secret)
	if !bytes.Equal(h.Sum(nil), cv.ConvID) {
		t.Error("conv_id does not derive")
	}
	if k := hmacSum(cv.Secret, []byte("kith-msg-key-v1\x00"), cv.Creator); !bytes.Equal(k[:], cv.MsgKey) {
		t.Error("msg_key does not derive")
	}
	if k := hmacSum(cv.Secret, []byte("kith-msg-log-key-v1\x00"), cv.Creator); !bytes.Equal(k[:], cv.LogKey) {
		t.Error("log_key does not derive")
	}
	if k := hmacSum(cv.LogKey, []byte("kith-msg-log-v1\x00"), cv.Creator); !bytes.Equal(k[:], cv.CreatorLogID) {
		t.Error("the creator's log id does not derive")
	}
	if !bytes.Equal(cv.Stored, append(append([]byte{1}, cv.Creator...), cv.Secret...)) {
		t.Error("stored form is not 0x01 ‖ creator ‖ secret")
	}
	// The generation of §11, written out.
	rv := v.Renewal
	var revoked []byte
	for _, r := range rv.Revoked {
		revoked = append(revoked, r...)
	}
	cov := sha256.Sum256(append([]byte("kith-msg-covered-v1\x00"), revoked...))
	if !bytes.Equal(cov[:14], rv.Covered) {
		t.Error("covered does not derive")
	}
	nb := []byte{byte(rv.Number >> 8), byte(rv.Number)}
	tagIn := append(append(append(append(slices.Clone(cv.Creator), rv.Maker...), rv.Key...), nb...), rv.Covered...)
	if tag := hmacSum(cv.Secret, []byte("kith-msg-generation-v1\x00"), tagIn); !bytes.Equal(tag[:16], rv.Tag) {
		t.Error("the generation's tag does not derive")
	}
	if !bytes.Equal(rv.Wrapped, append(append(append(slices.Clone(rv.Key), nb...), rv.Covered...), rv.Tag...)) {
		t.Error("wrapped is not key ‖ number ‖ covered ‖ tag")
	}
	gh := sha256.New()
	gh.Write([]byte("kith-msg-generation-id-v1\x00"))
	gh.Write(cv.ConvID)
	gh.Write(rv.Maker)
	gh.Write(rv.Key)
	gh.Write(nb)
	gh.Write(rv.Covered)
	if !bytes.Equal(gh.Sum(nil), rv.GenID) {
		t.Error("gen_id does not derive")
	}
	if k := hmacSum(rv.Key, []byte("kith-msg-generation-key-v1\x00"), cv.ConvID); !bytes.Equal(k[:], rv.MsgKey) {
		t.Error("the generation's msg_key does not derive")
	}
	if !bytes.Equal(rv.Stored, append(append([]byte{1}, rv.Maker...), rv.Wrapped...)) {
		t.Error("the stored generation is not 0x01 ‖ maker ‖ the 64 bytes")
	}
	var conv *Conversation
	var gen *Generation
	var items []Item
	devsAndCreator := append(slices.Clone(devs), v.Creator)
	for _, p := range v.Payloads {
		at := Position{Author: ID(p.Author), LogID: ID(p.LogID), Seq: p.Seq}
		if p.Renewal {
			if conv == nil {
				t.Fatal("a renewal before any announcement opened")
			}
			for i, d := range devsAndCreator {
				dk, err := seal.DeriveDecryptionKey(d.KEM, d.IKM)
				if err != nil {
					t.Fatal(err)
				}
				g, err := conv.OpenRenewal(ID(d.Device), dk, at, p.Payload, nil)
				if (err == nil) != slices.Contains(p.Opened, i) {
					t.Errorf("%s: device %d opens: %v", p.What, i, err)
				}
				if err == nil {
					if !bytes.Equal(conv.MarshalGeneration(g), rv.Stored) {
						t.Errorf("%s: device %d opens another generation", p.What, i)
					}
					gen = g
				}
			}
			k, rest := [32]byte(rv.Wrapped[:32]), [32]byte(rv.Wrapped[32:])
			if e := seal.EpochID(ID(v.MsgSpace), at.Author, nil, k, rest); !bytes.Equal(e[:], p.Epoch) {
				t.Errorf("%s: public epoch id does not derive", p.What)
			}
			continue
		}
		switch KindOf(p.Payload) {
		case KindAnnouncement:
			for i, d := range devs {
				c, err := OpenAnnouncement(ID(d.Device), keys[i], at, p.Payload)
				opens := false
				for _, j := range p.Opened {
					opens = opens || j == i
				}
				if (err == nil) != opens {
					t.Errorf("%s: device %d opens: %v, want %v", p.What, i, err, opens)
				}
				if err == nil {
					if !bytes.Equal(c.Secret[:], cv.Secret) || !bytes.Equal(c.Creator[:], cv.Creator) {
						t.Errorf("%s: device %d opens another conversation", p.What, i)
					}
					conv = c
					epochID := seal.EpochID(ID(v.MsgSpace), at.Author, nil, c.Secret, c.Creator)
					if !bytes.Equal(epochID[:], p.Epoch) {
						t.Errorf("%s: public epoch id does not derive", p.What)
					}
				}
			}
		case KindMessage:
			if conv == nil {
				t.Fatal("a message before any announcement opened")
			}
			var gens []*Generation
			if gen != nil {
				gens = []*Generation{gen}
			}
			o, err := OpenIn(conv, gens, at, p.Payload)
			if err != nil {
				t.Fatalf("%s: %v", p.What, err)
			}
			if (o.Gen != nil) != (p.Generation == 1) {
				t.Errorf("%s: opened under another generation", p.What)
			}
			body, _ := EncodeBody(o.Msg)
			if o.TimeMs != p.TimeMs || !bytes.Equal(body, p.Body) {
				t.Errorf("%s: opens to %d %x", p.What, o.TimeMs, body)
			}
			var account identity.PublicKey
			copy(account[:], v.Creator.Account)
			for _, d := range v.Recipients {
				if bytes.Equal(d.Device, p.Author) {
					copy(account[:], d.Account)
				}
			}
			items = append(items, Item{ID: entry.ID(p.EntryID), Author: at.Author, Account: account, Seq: p.Seq, Msg: o.Msg})
		default:
			t.Errorf("%s: neither an announcement nor a message", p.What)
		}
	}
	th := BuildThread(ID(cv.Creator), items)
	if len(th.Order) != len(v.Thread) || len(th.Refused) != 0 {
		t.Fatalf("thread of %d, refused %v", len(th.Order), th.Refused)
	}
	for i, e := range th.Order {
		if !bytes.Equal(e[:], v.Thread[i]) {
			t.Errorf("thread_order[%d] differs", i)
		}
	}
	var reply vPayload
	for _, p := range v.Payloads {
		if p.What == "reply by recipient 1" {
			reply = p
		}
	}
	for _, c := range v.Invalid {
		var err error
		switch c.Decoder {
		case "body":
			_, err = DecodeBody(c.Input)
		case "message":
			_, err = Open(conv, Position{Author: ID(reply.Author), LogID: ID(reply.LogID), Seq: reply.Seq}, c.Input)
		case "announcement":
			_, err = OpenAnnouncement(ID(devs[0].Device), keys[0], Position{Author: ID(c.Author), LogID: ID(c.LogID), Seq: c.Seq}, c.Input)
		case "stored":
			_, err = ParseConversation(c.Input)
		case "renewal":
			_, err = conv.OpenRenewal(ID(devs[0].Device), keys[0], Position{Author: ID(c.Author), LogID: ID(c.LogID), Seq: c.Seq}, c.Input, nil)
		case "message-gen0":
			_, err = Open(conv, Position{Author: ID(c.Author), LogID: ID(c.LogID), Seq: c.Seq}, c.Input)
		case "stored-generation":
			_, err = conv.ParseGeneration(c.Input)
		default:
			t.Errorf("unknown decoder %q", c.Decoder)
			continue
		}
		if got := outcome(err); got != c.Outcome || got == "ok" {
			t.Errorf("%s %s: got %q, want %q", c.Decoder, c.Name, got, c.Outcome)
		}
	}
}
