package replicate

import (
	"errors"
	"runtime"
	"testing"
	"time"
)

func TestTokenBucket(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newTokenBucket(10, 3, now)
	var got []bool
	for range 4 {
		got = append(got, b.take(now))
	}
	now = now.Add(250 * time.Millisecond) // 2.5 tokens back
	for range 3 {
		got = append(got, b.take(now))
	}
	now = now.Add(time.Hour) // never more than the burst
	for range 4 {
		got = append(got, b.take(now))
	}
	want := []bool{true, true, true, false, true, true, false, true, true, true, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("takes %v, want %v", got, want)
		}
	}
}

func TestLimitsDefaults(t *testing.T) {
	l := Limits{}.withDefaults()
	if l.CreditEntries != 32768 || l.CreditBytes != 32<<20 || l.IngestBatch != 16000 || l.SendChunk != 4096 ||
		l.MessageRate != 2000 || l.MessageBurst != 20000 || l.MaxReconcileMessages != 10000 || l.MaxLearned != 4000000 ||
		l.MaxUnwanted != 1000000 || l.MaxPeerHeads != 20000 || l.HandshakeTimeout != 2*time.Minute || l.WriteTimeout != time.Minute ||
		l.CloseTimeout != 5*time.Second || l.WriteBuffer != 4<<20 || l.VerifyWorkers != max(1, runtime.GOMAXPROCS(0)-1) ||
		l.MaxUselessWants != 10000 || l.SharedWriteBuffer != 4<<20 || l.OwnWriteBuffer != 256<<10 {
		t.Fatalf("defaults %+v", l)
	}
	c := Limits{CreditEntries: 1 << 30, CreditBytes: 10}.withDefaults()
	if c.CreditEntries != MaxCreditEntries || c.CreditBytes != MinCreditBytes {
		t.Fatalf("clamped %d entries and %d bytes, want %d and %d", c.CreditEntries, c.CreditBytes, MaxCreditEntries, MinCreditBytes)
	}
	if c := (Limits{CreditBytes: 1 << 40}).withDefaults(); c.CreditBytes != MaxCreditBytes {
		t.Fatalf("clamped %d bytes, want %d", c.CreditBytes, MaxCreditBytes)
	}
}

// TestHandshakeTimeout: a peer that says HELLO and then nothing is closed
// normally after the handshake timeout, without being called a misbehaver.
func TestHandshakeTimeout(t *testing.T) {
	n := newNode(t, 1, Limits{HandshakeTimeout: 50 * time.Millisecond})
	f := newFakePeer(t, n, 1, false) // the engine initiates and waits for an answer
	f.hello()
	bye, err := f.bye()
	if bye.Code != CodeNormal || !errors.Is(err, errHandshakeTimeout) {
		t.Fatalf("BYE %+v, Run %v; want a normal close for the handshake timeout", bye, err)
	}
	if len(n.misbeh) != 0 {
		t.Fatalf("OnMisbehaviour called: %v", n.misbeh)
	}
}

// TestRunWithSelf: a session with this node's own key is refused.
func TestRunWithSelf(t *testing.T) {
	n := newNode(t, 1, Limits{})
	a, _ := netPipe()
	if err := n.eng.Run(t.Context(), n.pub(), a, true); !errors.Is(err, ErrSelf) {
		t.Fatalf("Run with its own key: %v, want ErrSelf", err)
	}
}

// TestPeerClosedError: a BYE with a reason ends Run with a *PeerClosedError.
func TestPeerClosedError(t *testing.T) {
	n := newNode(t, 1, Limits{})
	f := newFakePeer(t, n, 1, true)
	f.hello()
	f.send(&Bye{Code: CodeInternal, Text: "disk full"})
	select {
	case err := <-f.result:
		f.result <- err
		var pc *PeerClosedError
		if !errors.As(err, &pc) || pc.Code != CodeInternal || pc.Text != "disk full" {
			t.Fatalf("Run returned %v, want a *PeerClosedError", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the peer's BYE")
	}
}
