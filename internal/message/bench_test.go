package message

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"testing"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/seal"
)

// Starting a conversation for 100 recipient devices: CPU, and the bytes
// and entries the creator's log gets (announcement parts and the start).
func BenchmarkStart100(b *testing.B) {
	for _, c := range []struct {
		name string
		kem  uint16
	}{{"hybrid", seal.KEMHybrid}, {"x25519", seal.KEMX25519}} {
		b.Run(c.name, func(b *testing.B) {
			rs := recipients(mkDevices(b, 1, 100, c.kem))
			var total, n int
			for b.Loop() {
				st, err := Start(id(0xc1), rs, start(acct(1), acct(2)), 1)
				if err != nil {
					b.Fatal(err)
				}
				total, n = 0, len(st.Payloads)
				for _, p := range st.Payloads {
					total += len(p)
				}
			}
			b.ReportMetric(float64(total), "wire-bytes")
			b.ReportMetric(float64(n), "entries")
		})
	}
}

// Opening a 100-recipient-device conversation, worst case: the device
// whose wrap comes last tries every wrap of its size in every part before
// its own, then reads the start message. "outsider" is a device with no
// wrap: it tries all 104 (the cost of every conversation a node sees that
// is not for it).
func BenchmarkOpen100(b *testing.B) {
	for _, c := range []struct {
		name string
		kem  uint16
	}{{"hybrid", seal.KEMHybrid}, {"x25519", seal.KEMX25519}} {
		ds := mkDevices(b, 1, 100, c.kem)
		creator := id(0xc1)
		st, err := Start(creator, recipients(ds), start(acct(1), acct(2)), 1)
		if err != nil {
			b.Fatal(err)
		}
		parts := st.Payloads[:len(st.Payloads)-1]
		last := lastRecipient(b, ds, parts)
		b.Run(fmt.Sprintf("%s/last-wrap", c.name), func(b *testing.B) {
			for b.Loop() {
				conv, err := openAny(last, creator, st.LogID, parts)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Open(conv, pos(creator, conv, uint64(len(parts)+1)), st.Payloads[len(parts)]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(parts)), "parts")
		})
		b.Run(fmt.Sprintf("%s/outsider", c.name), func(b *testing.B) {
			outsider := mkDevice(b, 9999, c.kem)
			for b.Loop() {
				if _, err := openAny(outsider, creator, st.LogID, parts); !errors.Is(err, ErrNotForMe) {
					b.Fatal(err)
				}
			}
		})
	}
}

// lastRecipient is the device whose wrap is the last real one (dummies
// excluded) in the parts' order: the one that tries the most wraps.
func lastRecipient(b *testing.B, ds []device, parts [][]byte) device {
	for i := len(parts) - 1; i >= 0; i-- {
		a, err := seal.DecodeAnnouncement(parts[i])
		if err != nil {
			b.Fatal(err)
		}
		for j := len(a.Wraps) - 1; j >= 0; j-- {
			one := *a
			one.Wraps = a.Wraps[j : j+1]
			for _, d := range ds {
				if _, err := seal.OpenEpoch(MsgSpace, d.id, d.dk, &one); err == nil {
					return d
				}
			}
		}
	}
	b.Fatal("no wrap opens")
	return device{}
}

// Sealing and opening one message (a 120-byte text, a 256-byte payload),
// as every reply costs.
func BenchmarkMessage(b *testing.B) {
	c := newConversation([32]byte{1}, id(1))
	at := pos(id(2), c, 7)
	m := &Message{Text: string(make([]byte, 120)), ReplyTo: eid(3)}
	p, err := Seal(c, at, 1, m)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("seal", func(b *testing.B) {
		for b.Loop() {
			if _, err := Seal(c, at, 1, m); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(p)), "wire-bytes")
	})
	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			if _, err := Open(c, at, p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Finding a log's conversation among 1,000 held (a log not seen before).
func BenchmarkBookFind1000(b *testing.B) {
	book := NewBook()
	var last *Conversation
	for i := range 1000 {
		last = newConversation([32]byte{byte(i), byte(i >> 8)}, id(1))
		book.Add(last)
	}
	dev := id(7)
	logID := last.LogID(dev)
	for b.Loop() {
		book.known = map[[2]ID]*Conversation{}
		if book.Find(dev, logID) != last {
			b.Fatal("not found")
		}
	}
}

// A hostile part: one entry of random bytes shaped as wraps (13 of the
// hybrid size or 142 of the X25519 size, the most a 16 KiB part holds),
// as a sender the node accepts could write for free: what one such entry
// makes a recipient of each KEM spend (messages.md §6).
func BenchmarkHostilePart(b *testing.B) {
	for _, c := range []struct {
		name string
		kem  uint16
		n    int
		size int
	}{{"hybrid-13", seal.KEMHybrid, 13, seal.WrapSizeHybrid}, {"x25519-142", seal.KEMX25519, 142, seal.WrapSizeX25519}} {
		b.Run(c.name, func(b *testing.B) {
			creator := id(0xc1)
			p := cborwire.AppendArray(nil, 7)
			p = cborwire.AppendUint(p, 1)
			p = cborwire.AppendBytes(p, make([]byte, 32))
			p = cborwire.AppendBytes(p, creator[:])
			p = cborwire.AppendArray(p, 0)
			p = cborwire.AppendUint(p, 0)
			p = cborwire.AppendUint(p, 1)
			p = cborwire.AppendArray(p, c.n)
			for range c.n {
				w := make([]byte, c.size)
				rand.Read(w)
				p = cborwire.AppendBytes(p, w)
			}
			if len(p) > seal.MaxPayload {
				b.Fatalf("%d bytes", len(p))
			}
			d := mkDevice(b, 3, c.kem)
			at := Position{Author: creator, LogID: id(9), Seq: 1}
			for b.Loop() {
				if _, err := OpenAnnouncement(d.id, d.dk, at, p); !errors.Is(err, ErrNotForMe) {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(p)), "entry-bytes")
		})
	}
}

// Threading 10,000 messages of four devices, each replying to a random
// earlier one and naming another as seen.
func BenchmarkBuildThread10000(b *testing.B) {
	items := []Item{it(1, tCreator, 2, startMsg())}
	items[0].ID = entry.ID{1, 1}
	authors := []ID{tCreator, tBob, tCarol}
	seq := map[ID]uint64{tCreator: 2}
	r := mrand.New(mrand.NewPCG(1, 2))
	for i := range 9999 {
		a := authors[r.IntN(3)]
		seq[a]++
		m := &Message{Text: "x", ReplyTo: items[r.IntN(len(items))].ID, Refs: []entry.ID{items[r.IntN(len(items))].ID}}
		items = append(items, Item{ID: entry.ID{byte(r.Uint32()), byte(i), byte(i >> 8), 1}, Author: a, Account: tAccount[a], Seq: seq[a], Msg: m})
	}
	for b.Loop() {
		if th := BuildThread(tCreator, items); len(th.Order) != 10000 {
			b.Fatalf("%d placed", len(th.Order))
		}
	}
}

// BenchmarkOpenUnderGenerations opens a message sealed under generation
// 0 while 16 later generations are held (messages.md §11: the trial
// tries them all first), at the smallest and the largest bucket.
func BenchmarkOpenUnderGenerations(b *testing.B) {
	c := newConversation([32]byte{5}, id(1))
	at := pos(id(2), c, 1)
	var gens []*Generation
	for i := range MaxGeneration {
		g, err := c.NewGeneration(id(byte(3+i)), uint16(i+1), Covered{})
		if err != nil {
			b.Fatal(err)
		}
		gens = append(gens, g)
	}
	for _, size := range []int{100, 9000} {
		p, err := Seal(c, at, 1, &Message{Text: string(bytes.Repeat([]byte("x"), size))})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%dB", len(p)), func(b *testing.B) {
			for b.Loop() {
				if _, err := OpenIn(c, gens, at, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
