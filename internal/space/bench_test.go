package space

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkReduce reduces random concurrent histories of n membership
// entries (adds, removals, role changes and leaves by six people, each
// entry seeing a random third of the earlier ones).
func BenchmarkReduce(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		b.Run(itoa(n), func(b *testing.B) {
			w := randomHistoryTB(b, rand.New(rand.NewPCG(5, 6)), n)
			b.ResetTimer()
			for range b.N {
				if _, err := Reduce(w.space, w.all); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// fight is the worst history this package's tests know: three admins,
// each in its own log and seeing none of the others', remove and re-add
// the same member again and again, n entries in all (every removal is a
// strike, all of them concurrent with the other admins' entries).
func fight(tb testing.TB, n int) *world {
	w := newSpace(tb, 'A', founders("ABC", "D"))
	for k := 0; k < n; k++ {
		a := "ABC"[k%3]
		if (k/3)%2 == 0 {
			w.remove(a, 'D')
		} else {
			w.add(a, 'D', Member)
		}
	}
	return w
}

func BenchmarkReduceFight(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		b.Run(itoa(n), func(b *testing.B) {
			w := fight(b, n)
			b.ResetTimer()
			for range b.N {
				if _, err := Reduce(w.space, w.all); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fightAdmins: A demotes and promotes B again and again while B, seeing
// none of it, removes and re-adds D again and again: every entry of B is
// checked against every demotion of B.
func fightAdmins(tb testing.TB, n int) *world {
	w := newSpace(tb, 'A', founders("AB", "D"))
	for k := 0; k < n/2; k++ {
		if k%2 == 0 {
			w.role('A', 'B', Member)
			w.remove('B', 'D')
		} else {
			w.role('A', 'B', Admin)
			w.add('B', 'D', Member)
		}
	}
	return w
}

func BenchmarkReduceFightAdmins(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		b.Run(itoa(n), func(b *testing.B) {
			w := fightAdmins(b, n)
			b.ResetTimer()
			for range b.N {
				if _, err := Reduce(w.space, w.all); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
