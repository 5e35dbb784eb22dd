package hostile

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/libp2p/go-libp2p/core/network"
)

// Options shape one run of an attack.
type Options struct {
	// Attackers is the number of attacker identities at once (default 1).
	// The connection flood and the village spam use this many at a time
	// and replace each one that is done or cut off.
	Attackers int
	// Duration bounds the attack (default 10 s); it also ends with ctx.
	Duration time.Duration
	// Village is the village that village-request-spam asks (zero: a
	// random id, which a node answers "unknown village").
	Village entry.ID
	// Blob is a blob the target holds, for blob-slow-read (required).
	Blob [32]byte
}

func (o Options) withDefaults() Options {
	if o.Attackers <= 0 {
		o.Attackers = 1
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	return o
}

// Report is what one attack did and what the target answered.
type Report struct {
	Attack      string           `json:"attack"`
	Seconds     float64          `json:"seconds"`
	Identities  int              `json:"identities"`  // attacker identities used
	Connections int64            `json:"connections"` // connections made (by the attacks that count them: identity, connection and village floods)
	Streams     int64            `json:"streams"`     // streams opened
	Messages    int64            `json:"messages"`    // messages (frames) sent
	BytesSent   int64            `json:"bytes_sent"`
	Answers     map[string]int64 `json:"answers"` // what the target did, counted: "bye 3", "reset", "status 1", …
	// Probed is the number of attackers probed after the attack (those of
	// an attack whose peers must be refused), Penalised those the target
	// refused, Penalised/Probed the share.
	Probed    int      `json:"probed"`
	Penalised int      `json:"penalised"`
	Attackers []string `json:"attackers,omitempty"` // the probed attackers' device ids
	Errors    []string `json:"errors,omitempty"`    // the first failures of the tool itself
}

// recorder collects a Report from the attack's goroutines.
type recorder struct {
	conns, streams, msgs, bytes atomic.Int64
	mu                          sync.Mutex
	answers                     map[string]int64
	errs                        []string
	probe                       []*Attacker // attackers to probe after the attack
	identities                  int
}

func (r *recorder) answer(what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.answers == nil {
		r.answers = map[string]int64{}
	}
	r.answers[what]++
}

func (r *recorder) sent(frames, bytes int) {
	r.msgs.Add(int64(frames))
	r.bytes.Add(int64(bytes))
}

func (r *recorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) < 8 {
		r.errs = append(r.errs, err.Error())
	}
}

// newAttacker makes an attacker; with keep, it is probed (and closed)
// after the attack, else the caller closes it.
func (r *recorder) newAttacker(keep bool) (*Attacker, error) {
	a, err := NewAttacker()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.identities++
	if keep {
		r.probe = append(r.probe, a)
	}
	r.mu.Unlock()
	return a, nil
}

// Attack is one way of misbehaving.
type Attack struct {
	Name  string
	About string
	// Penalised says that a node with kith's defences refuses this
	// attack's peers afterwards: Run probes them.
	Penalised bool
	run       func(ctx context.Context, t Target, o Options, r *recorder)
}

// Attacks lists every attack, in the order a full run takes them.
var Attacks = []Attack{
	reconcileFlood,
	oversizedFrames,
	malformedFrames,
	identityFlood,
	slowStreams,
	wantFlood,
	blobUnknown,
	blobSlowRead,
	connFlood,
	dhtProviderFlood,
	villageRequestSpam,
	inviteGuess,
}

// Names returns the names of all attacks.
func Names() []string {
	out := make([]string, len(Attacks))
	for i, a := range Attacks {
		out[i] = a.Name
	}
	return out
}

// Lookup finds an attack by name.
func Lookup(name string) (Attack, error) {
	for _, a := range Attacks {
		if a.Name == name {
			return a, nil
		}
	}
	return Attack{}, fmt.Errorf("no attack %q; the attacks are %s", name, strings.Join(Names(), ", "))
}

// maxProbed bounds the attackers probed after an attack.
const maxProbed = 16

// Run runs the attack against t until o.Duration has passed or ctx ends,
// then (for an attack with Penalised) probes up to 16 of its attackers,
// even when ctx has ended, and closes them all.
func (a Attack) Run(ctx context.Context, t Target, o Options) Report {
	o = o.withDefaults()
	r := &recorder{}
	start := time.Now()
	actx, cancel := context.WithTimeout(ctx, o.Duration)
	a.run(actx, t, o, r)
	cancel()
	rep := Report{
		Attack: a.Name, Seconds: time.Since(start).Seconds(),
		Connections: r.conns.Load(), Streams: r.streams.Load(), Messages: r.msgs.Load(), BytesSent: r.bytes.Load(),
	}
	r.mu.Lock()
	probe := r.probe
	rep.Identities = r.identities
	rep.Answers = maps.Clone(r.answers)
	r.mu.Unlock()
	if a.Penalised {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, at := range probe[:min(len(probe), maxProbed)] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				refused, err := at.Refused(context.WithoutCancel(ctx), t)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					r.fail(err)
					return
				}
				rep.Probed++
				rep.Attackers = append(rep.Attackers, at.Key().Device().String())
				if refused {
					rep.Penalised++
				}
			}()
		}
		wg.Wait()
		sort.Strings(rep.Attackers)
	}
	for _, at := range probe {
		_ = at.Close()
	}
	r.mu.Lock()
	rep.Errors = slices.Clone(r.errs)
	r.mu.Unlock()
	if rep.Answers == nil {
		rep.Answers = map[string]int64{}
	}
	return rep
}

// each runs fn in n goroutines, numbered, and waits for them.
func each(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	wg.Wait()
}

// cutOnDone resets s when ctx ends, so that no read or write on it
// outlives the attack; the returned stop undoes that.
func cutOnDone(ctx context.Context, s network.Stream) (stop func() bool) {
	return context.AfterFunc(ctx, func() { _ = s.Reset() })
}

// pause waits d or until ctx ends; it reports whether ctx is still live.
func pause(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}
