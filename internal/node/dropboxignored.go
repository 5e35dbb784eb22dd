package node

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/kithnet/kith/internal/atomicfile"
)

// The letters this node's user ignored (services.md §8.3): remembered by
// id so that a hub that kept a copy and hands it over again (a replay)
// does not show it again. Kept in the home, at most maxIgnored of them,
// each for ignoredKeep by this node's own clock from the moment it was
// ignored: an honest hub keeps a letter at most its announced time (14
// days by default) from when it received it, which was before it was
// collected and ignored, so past that only a hub that keeps letters
// longer than it says, or replays them, could hand it over again.
const ignoredFile = "requests-ignored.json"

var (
	// ignoredKeep is how long an ignored letter's id is remembered:
	// twice kith's default dropbox time.
	ignoredKeep = 30 * 24 * time.Hour
	// maxIgnored bounds the ids remembered; past it the oldest goes.
	maxIgnored = 4096
)

// ignoredLetter is one remembered id, and when it was ignored (ms since
// the epoch, this node's clock).
type ignoredLetter struct {
	ID   string `json:"id"`
	AtMs int64  `json:"at_ms"`
}

func (n *Node) ignoredPath() string { return filepath.Join(n.home, ignoredFile) }

// readIgnoredLocked reads the ids remembered, without those older than
// ignoredKeep at now; requestsMu held. A file that does not parse is an
// error: it would show again letters the user ignored.
func (n *Node) readIgnoredLocked(now time.Time) ([]ignoredLetter, error) {
	b, err := os.ReadFile(n.ignoredPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f struct {
		Ignored []ignoredLetter `json:"ignored"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w (move it away: letters ignored may then be shown again)", n.ignoredPath(), err)
	}
	cut := now.Add(-ignoredKeep).UnixMilli()
	return slices.DeleteFunc(f.Ignored, func(x ignoredLetter) bool { return x.AtMs < cut }), nil
}

// ignoredLocked reports whether letter id was ignored (and is still
// remembered); requestsMu held.
func (n *Node) ignoredLocked(id [32]byte) (bool, error) {
	l, err := n.readIgnoredLocked(n.clock())
	if err != nil {
		return false, err
	}
	h := hex.EncodeToString(id[:])
	return slices.ContainsFunc(l, func(x ignoredLetter) bool { return x.ID == h }), nil
}

// rememberIgnoredLocked adds id to the ids remembered, forgetting those
// past their time and, past maxIgnored, the oldest; requestsMu held.
func (n *Node) rememberIgnoredLocked(id [32]byte) error {
	now := n.clock()
	l, err := n.readIgnoredLocked(now)
	if err != nil {
		return err
	}
	h := hex.EncodeToString(id[:])
	l = slices.DeleteFunc(l, func(x ignoredLetter) bool { return x.ID == h })
	l = append(l, ignoredLetter{ID: h, AtMs: now.UnixMilli()})
	slices.SortStableFunc(l, func(a, b ignoredLetter) int { return cmpInt64(a.AtMs, b.AtMs) })
	if len(l) > maxIgnored {
		l = l[len(l)-maxIgnored:]
	}
	b, err := json.Marshal(struct {
		Ignored []ignoredLetter `json:"ignored"`
	}{l})
	if err != nil {
		return err
	}
	return atomicfile.WritePrivate(n.ignoredPath(), b)
}
