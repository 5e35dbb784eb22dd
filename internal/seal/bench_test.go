package seal

import (
	"crypto/ed25519"
	"fmt"
	"testing"

	"github.com/hdevalence/ed25519consensus"
)

// A rotation: a fresh epoch key wrapped to 1,000 member devices (keyring.md
// §6). Reports the announcement's bytes and entries.
func BenchmarkRotation1000(b *testing.B) {
	for _, c := range []struct {
		name string
		kem  uint16
	}{{"hybrid", KEMHybrid}, {"x25519", KEMX25519}} {
		b.Run(c.name, func(b *testing.B) {
			_, rs := members(b, 1000, c.kem)
			var total, nparts int
			for b.Loop() {
				_, parts, err := NewEpoch(id(1), id(2), []ID{id(3)}, [32]byte{}, rs)
				if err != nil {
					b.Fatal(err)
				}
				total, nparts = 0, len(parts)
				for _, p := range parts {
					total += len(p)
				}
			}
			b.ReportMetric(float64(total), "announce-bytes")
			b.ReportMetric(float64(nparts), "entries")
		})
	}
}

// A member finding its wrap among 100 or 1,000 (wraps carry no names, so
// it tries each wrap of its KEM's size): a device with no wrap tries every
// one, the cost of a recipient whose wrap comes last; then a recipient
// opens. 100 is also the size of a 100-recipient message's key wraps.
func BenchmarkOpenEpoch(b *testing.B) {
	for _, n := range []int{100, 1000} {
		for _, c := range []struct {
			name string
			kem  uint16
		}{{"hybrid", KEMHybrid}, {"x25519", KEMX25519}} {
			b.Run(fmt.Sprintf("%d/%s", n, c.name), func(b *testing.B) {
				ms, rs := members(b, n, c.kem)
				space, creator := id(1), id(2)
				_, parts, err := NewEpoch(space, creator, nil, [32]byte{}, rs)
				if err != nil {
					b.Fatal(err)
				}
				var anns []*Announcement
				for _, p := range parts {
					a, err := DecodeAnnouncement(p)
					if err != nil {
						b.Fatal(err)
					}
					anns = append(anns, a)
				}
				outsider := member{device: id(0xee), key: mustKey(b, c.kem, 0xee)}
				for b.Loop() {
					for _, a := range anns {
						if _, err := OpenEpoch(space, outsider.device, outsider.key, a); err == nil {
							b.Fatal("outsider opened")
						}
					}
					if _, err := openAny(space, ms[0], parts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

const perOp = 100000

// Sealing, opening and Ed25519-verifying 100,000 entries' worth (one op =
// 100,000), with a 120-byte body (a 256-byte sealed payload).
func BenchmarkSeal100k(b *testing.B) {
	space := id(1)
	e := testEpoch(b, space)
	body := make([]byte, 120)
	pos := Position{Author: id(5), LogID: LogID(e.LogKey, id(5))}
	for b.Loop() {
		for i := range perOp {
			pos.Seq = uint64(i + 1)
			if _, err := Seal(space, e, pos, 1, body); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkOpen100k(b *testing.B) {
	space := id(1)
	e := testEpoch(b, space)
	k := NewKeyring()
	k.Add(e)
	pos := Position{Author: id(5), LogID: LogID(e.LogKey, id(5))}
	sealed := make([][]byte, perOp)
	for i := range sealed {
		pos.Seq = uint64(i + 1)
		p, err := Seal(space, e, pos, 1, make([]byte, 120))
		if err != nil {
			b.Fatal(err)
		}
		sealed[i] = p
	}
	for b.Loop() {
		for i, p := range sealed {
			pos.Seq = uint64(i + 1)
			if _, err := Open(space, k, pos, p); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// The signature check every entry already costs (entry.md: ZIP-215 via
// ed25519consensus), over a header-sized signing input.
func BenchmarkVerify100k(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := make([]byte, 174)
	sig := ed25519.Sign(priv, msg)
	for b.Loop() {
		for range perOp {
			if !ed25519consensus.Verify(pub, msg, sig) {
				b.Fatal("bad signature")
			}
		}
	}
}

// The outdated check a reader makes per entry, against a chain of 100
// epochs: the same epoch as the entry before (the common case), and the
// newest epoch after the oldest (the whole chain walked).
func BenchmarkCheckOrder(b *testing.B) {
	k := NewKeyring()
	var chain []ID
	for i := range 100 {
		e := &Epoch{Creator: id(2)}
		e.Key[0] = byte(i)
		if i > 0 {
			e.Prev = []ID{chain[i-1]}
		}
		e.ID = EpochID(id(1), e.Creator, e.Prev, e.Key, e.LogKey)
		k.Add(e)
		chain = append(chain, e.ID)
	}
	b.Run("same", func(b *testing.B) {
		for b.Loop() {
			if k.CheckOrder(chain[99], chain[99]) != nil {
				b.Fatal("same epoch outdated")
			}
		}
	})
	b.Run("forward-100", func(b *testing.B) {
		for b.Loop() {
			if k.CheckOrder(chain[0], chain[99]) != nil {
				b.Fatal("forward outdated")
			}
		}
	})
	b.Run("back-100", func(b *testing.B) {
		for b.Loop() {
			if k.CheckOrder(chain[99], chain[0]) == nil {
				b.Fatal("back not outdated")
			}
		}
	})
}
