package node

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/atomicfile"
	"github.com/kithnet/kith/internal/dropbox"
)

// dropboxDirName is where a hub keeps its dropbox in its home: letters/
// one file per letter, follows/ one file per recipient.
const dropboxDirName = "dropbox"

func (n *Node) dropboxDir() string { return filepath.Join(n.home, dropboxDirName) }

// hubDropbox is the dropbox a hub keeps (services.md §8.4): the pure
// rules' box, and its letters on disk so that a restart loses none within
// its time.
type hubDropbox struct {
	mu  sync.Mutex
	box *dropbox.Box
	dir string
	log *slog.Logger
	// onExpired counts letters whose time was up (the metrics); nil: not
	// counted.
	onExpired func(n int)
}

// heldFile is one letter on the hub's disk.
type heldFile struct {
	Recipient  string `json:"recipient"`
	Key        string `json:"key"`
	Depositor  string `json:"depositor"`
	ReceivedMs int64  `json:"received_ms"` // by the hub's clock
	Followed   bool   `json:"followed"`
	Seq        uint64 `json:"seq"`
	Letter     []byte `json:"letter"`
}

func (h *hubDropbox) letterPath(id [32]byte) string {
	return filepath.Join(h.dir, "letters", hex.EncodeToString(id[:]))
}

func (h *hubDropbox) followsPath(recipient [32]byte) string {
	return filepath.Join(h.dir, "follows", hex.EncodeToString(recipient[:]))
}

func dropboxHex32(s string) (k [32]byte, err error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return k, fmt.Errorf("not 64 hexadecimal digits: %q", s)
	}
	return [32]byte(b), nil
}

// openHubDropbox reads the letters kept in dir. A file that does not hold
// a letter the hub would take is logged and removed; letters whose time
// is up at now are removed.
func openHubDropbox(dir string, limits dropbox.Limits, now time.Time, log *slog.Logger) (*hubDropbox, error) {
	h := &hubDropbox{box: dropbox.NewBox(limits), dir: dir, log: log}
	for _, sub := range []string{"letters", "follows"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, err
		}
	}
	fs, err := os.ReadDir(filepath.Join(dir, "follows"))
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		r, err := dropboxHex32(f.Name())
		b, rerr := os.ReadFile(filepath.Join(dir, "follows", f.Name()))
		var keys []string
		if err != nil || rerr != nil || json.Unmarshal(b, &keys) != nil {
			log.Warn("dropbox: a follows file that does not read, removed", "file", f.Name())
			_ = os.Remove(filepath.Join(dir, "follows", f.Name()))
			continue
		}
		var ks [][32]byte
		for _, s := range keys {
			if k, err := dropboxHex32(s); err == nil {
				ks = append(ks, k)
			}
		}
		if err := h.box.SetFollows(r, ks); err != nil {
			log.Warn("dropbox: a recipient's follows", "err", err)
		}
	}
	ls, err := os.ReadDir(filepath.Join(dir, "letters"))
	if err != nil {
		return nil, err
	}
	for _, f := range ls {
		if strings.HasPrefix(f.Name(), ".") {
			continue // atomicfile's temporary files
		}
		held, err := readHeld(filepath.Join(dir, "letters", f.Name()))
		if err == nil && hex.EncodeToString(held.ID[:]) != f.Name() {
			err = errors.New("the file's name is not the letter's id")
		}
		if err != nil {
			log.Warn("dropbox: a letter's file that does not read, removed", "file", f.Name(), "err", err)
			_ = os.Remove(filepath.Join(dir, "letters", f.Name()))
			continue
		}
		h.box.Restore(held)
	}
	h.expire(now)
	return h, nil
}

func readHeld(path string) (dropbox.Held, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return dropbox.Held{}, err
	}
	var f heldFile
	if err := json.Unmarshal(b, &f); err != nil {
		return dropbox.Held{}, err
	}
	r, err1 := dropboxHex32(f.Recipient)
	k, err2 := dropboxHex32(f.Key)
	d, err3 := dropboxHex32(f.Depositor)
	if err := errors.Join(err1, err2, err3); err != nil {
		return dropbox.Held{}, err
	}
	l, err := dropbox.DecodeLetter(r, f.Letter)
	if err != nil {
		return dropbox.Held{}, err
	}
	if l.Key != k {
		return dropbox.Held{}, errors.New("the letter's key is not the one recorded")
	}
	return dropbox.Held{ID: dropbox.ID(f.Letter), Recipient: r, Key: k, Depositor: d, Size: len(f.Letter), Received: time.UnixMilli(f.ReceivedMs), Followed: f.Followed, Seq: f.Seq}, nil
}

// deposit takes letter for recipient from depositor by the box's rules
// and writes it to disk before it counts as taken.
func (h *hubDropbox) deposit(now time.Time, recipient, depositor [32]byte, l *dropbox.Letter, raw []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	held, expired, err := h.box.Admit(now, dropbox.Held{ID: dropbox.ID(raw), Recipient: recipient, Key: l.Key, Depositor: depositor, Size: len(raw)})
	h.removeFiles(expired, "expired")
	if err != nil {
		return err
	}
	f := heldFile{Recipient: hex.EncodeToString(recipient[:]), Key: hex.EncodeToString(l.Key[:]), Depositor: hex.EncodeToString(depositor[:]),
		ReceivedMs: held.Received.UnixMilli(), Followed: held.Followed, Seq: held.Seq, Letter: raw}
	b, _ := json.Marshal(f)
	if err := atomicfile.WritePrivate(h.letterPath(held.ID), b); err != nil {
		h.box.Remove(recipient, [][32]byte{held.ID})
		h.log.Warn("dropbox: writing a letter", "err", err)
		return &dropbox.Refusal{Code: dropbox.RefuseBusy, Reason: "the hub could not write the letter to its disk; try again later"}
	}
	h.log.Info("dropbox: letter taken", "recipient", hex.EncodeToString(recipient[:4]), "bytes", len(raw), "followed", held.Followed)
	return nil
}

// collect records recipient's follows, drops the letters it kept (done)
// and those whose time is up, and returns up to MaxBatch letters waiting.
func (h *hubDropbox) collect(now time.Time, recipient [32]byte, follows, done [][32]byte) ([][]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.box.Touch(now, recipient)
	if !h.box.Enrolled(recipient) || !slices.Equal(h.box.Follows(recipient), follows) {
		if err := h.box.SetFollowsAt(now, recipient, follows); err != nil {
			h.log.Warn("dropbox: a recipient's follows", "err", err)
			if !h.box.Enrolled(recipient) {
				return nil, err
			}
		}
		follows = h.box.Follows(recipient)
		keys := make([]string, len(follows))
		for i, k := range follows {
			keys[i] = hex.EncodeToString(k[:])
		}
		b, _ := json.Marshal(keys)
		if err := atomicfile.WritePrivate(h.followsPath(recipient), b); err != nil {
			h.log.Warn("dropbox: writing a recipient's follows", "err", err)
		}
	}
	h.removeFiles(h.box.Remove(recipient, done), "collected")
	h.removeFiles(h.box.Expire(now), "expired")
	var out [][]byte
	for _, w := range h.box.Waiting(recipient, dropbox.MaxBatch) {
		f, err := os.ReadFile(h.letterPath(w.ID))
		var hf heldFile
		if err == nil {
			err = json.Unmarshal(f, &hf)
		}
		if err != nil {
			h.log.Warn("dropbox: reading a letter", "err", err)
			return nil, &dropbox.Refusal{Code: dropbox.RefuseBusy, Reason: "the hub could not read its disk; try again later"}
		}
		out = append(out, hf.Letter)
	}
	return out, nil
}

func (h *hubDropbox) expire(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeFiles(h.box.Expire(now), "expired")
	// Accounts that enrolled and then collected nothing for a letter's
	// time, with none waiting, are forgotten with their follows file.
	for _, r := range h.box.ForgetIdle(now) {
		if err := os.Remove(h.followsPath(r)); err != nil && !errors.Is(err, os.ErrNotExist) {
			h.log.Warn("dropbox: removing an idle recipient's follows", "err", err)
		}
		h.log.Info("dropbox: idle recipient forgotten", "recipient", hex.EncodeToString(r[:4]))
	}
}

// removeFiles deletes the files of letters the box dropped. h.mu is held.
func (h *hubDropbox) removeFiles(hs []dropbox.Held, why string) {
	if why == "expired" && len(hs) > 0 && h.onExpired != nil {
		h.onExpired(len(hs))
	}
	for _, x := range hs {
		if err := os.Remove(h.letterPath(x.ID)); err != nil && !errors.Is(err, os.ErrNotExist) {
			h.log.Warn("dropbox: removing a letter", "err", err)
		}
		h.log.Info("dropbox: letter dropped", "why", why, "recipient", hex.EncodeToString(x.Recipient[:4]), "bytes", x.Size)
	}
}

// stats is what the hub's dropbox holds.
func (h *hubDropbox) stats() dropbox.Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.box.Stats()
}
