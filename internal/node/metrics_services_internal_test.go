package node

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// A flood of refusals of one service and reason writes refusalLines
// lines a refusalWindow; the first line after says how many were left
// out; another reason has lines of its own; every refusal is counted.
func TestRefusalLogThrottled(t *testing.T) {
	var n Node
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	for range 12 {
		n.refused(log, "heads", "busy", [32]byte{1}, "busy now")
	}
	n.refused(log, "heads", "too_many", [32]byte{1}, "split the list")
	if got := strings.Count(buf.String(), "reason=busy"); got != refusalLines {
		t.Errorf("%d lines of busy refusals, want %d:\n%s", got, refusalLines, buf.String())
	}
	if got := strings.Count(buf.String(), "reason=too_many"); got != 1 {
		t.Errorf("%d lines of too_many refusals, want 1", got)
	}
	// The next window.
	ok, hushed := n.meter.logTurn("refused/heads", "busy", time.Now().Add(refusalWindow))
	if !ok || hushed != 12-refusalLines {
		t.Errorf("next window: logged %v, left out %d; want logged, %d left out", ok, hushed, 12-refusalLines)
	}
	_, refusals, _ := n.meter.counts()
	want := []Count{{Service: "heads", What: "busy", N: 12}, {Service: "heads", What: "too_many", N: 1}}
	if len(refusals) != 2 || refusals[0] != want[0] || refusals[1] != want[1] {
		t.Errorf("refusals counted %+v, want %+v", refusals, want)
	}
}
