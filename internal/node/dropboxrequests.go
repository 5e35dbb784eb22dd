package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/atomicfile"
	"github.com/kithnet/kith/internal/dropbox"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/message"
	"github.com/kithnet/kith/internal/seal"
)

// requestsDirName is where a node keeps the letters it collected, sealed
// as they came (the plaintext is opened when asked for, in memory only).
const requestsDirName = "requests"

// maxRequests bounds the requests a node keeps; past it, it collects no
// more (they wait at the hub) until some are ignored.
const maxRequests = 1024

var (
	// ErrNoRequest: no request of that id is held here.
	ErrNoRequest = errors.New("no such request held here")
	// errLetterRefused: a collected letter does not open or is forged; it
	// is dropped.
	errLetterRefused = errors.New("the letter is refused")
	// requestsMu serialises changes to the requests' files.
	requestsMu sync.Mutex
)

// requestFile is one collected letter.
type requestFile struct {
	Letter      []byte `json:"letter"`
	Hub         string `json:"hub"`
	CollectedMs int64  `json:"collected_ms"`
	Answered    string `json:"answered,omitempty"` // the conversation of the answer
	Accepted    bool   `json:"accepted,omitempty"`
}

// Request is a letter collected from a dropbox (services.md §8.3), as a
// person reads it.
type Request struct {
	ID          string             `json:"id"`
	From        identity.AccountID `json:"from"`
	FromName    string             `json:"from_name,omitempty"` // the sender's profile name, when held
	Device      identity.DeviceID  `json:"device"`
	Text        string             `json:"text"`
	SentMs      int64              `json:"sent_ms"` // the sender's claim
	CollectedMs int64              `json:"collected_ms"`
	Hub         string             `json:"hub"`
	Answered    string             `json:"answered,omitempty"` // conversation id of the answer
	Accepted    bool               `json:"accepted,omitempty"`
	Following   bool               `json:"following"` // this account follows the sender now

	account   identity.PublicKey
	inner     *dropbox.Inner
	replyKey  seal.DeviceKey
	certEntry *entry.Entry
}

func (n *Node) requestsDir() string { return filepath.Join(n.home, requestsDirName) }

func (n *Node) requestPath(id [32]byte) string {
	return filepath.Join(n.requestsDir(), hex.EncodeToString(id[:]))
}

// openRequest opens a collected letter with this device's key and checks
// its sender (services.md §8.2, steps 1–5). Errors wrap errLetterRefused.
func (n *Node) openRequest(ctx context.Context, letter []byte) (*Request, error) {
	dk, err := n.ownDecryptionKey(ctx)
	if err != nil {
		return nil, err
	}
	o, err := dropbox.OpenLetter([32]byte(n.account), seal.ID(n.device.Public()), dk, letter)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errLetterRefused, err)
	}
	in := o.Inner
	cert, err := checkCert(in.Cert, in.CertPayload, identity.PublicKey(in.Device))
	if err != nil || cert.Header.Author != identity.PublicKey(in.Account) {
		return nil, fmt.Errorf("%w: the sender's certificate does not name its device for its account", errLetterRefused)
	}
	rk, err := seal.DecodeDeviceKey(in.ReplyKey)
	if err != nil {
		return nil, fmt.Errorf("%w: the sender's answer key: %v", errLetterRefused, err)
	}
	id := dropbox.ID(letter)
	account := identity.PublicKey(in.Account)
	return &Request{ID: hex.EncodeToString(id[:]), From: account.Account(), Device: identity.PublicKey(in.Device).Device(), Text: in.Text,
		SentMs: int64(o.TimeMs), account: account, inner: in, replyKey: rk, certEntry: cert}, nil
}

// keepRequest opens a collected letter and keeps it. It reports whether
// it is new; a letter that does not open, is forged, or comes from a
// blocked account is refused (errLetterRefused) and not kept.
func (n *Node) keepRequest(ctx context.Context, hub identity.PublicKey, letter []byte) (bool, error) {
	requestsMu.Lock()
	defer requestsMu.Unlock()
	id := dropbox.ID(letter)
	if _, err := os.Stat(n.requestPath(id)); err == nil {
		return false, nil
	}
	// A letter ignored before, handed over again (services.md §8.3): not
	// shown again, and named in done as one received.
	if ign, err := n.ignoredLocked(id); err != nil || ign {
		return false, err
	}
	r, err := n.openRequest(ctx, letter)
	if err != nil {
		return false, err
	}
	if nw := n.net.Load(); nw != nil && (nw.scope.Blocked(r.account) || nw.scope.Blocked(identity.PublicKey(r.inner.Device))) {
		return false, fmt.Errorf("%w: the sender is blocked", errLetterRefused)
	}
	if err := os.MkdirAll(n.requestsDir(), 0o700); err != nil {
		return false, err
	}
	es, err := os.ReadDir(n.requestsDir())
	if err != nil {
		return false, err
	}
	if len(es) >= maxRequests {
		return false, fmt.Errorf("this node keeps %d requests, the most it keeps: ignore some ('kith requests ignore') and the rest is collected", len(es))
	}
	b, _ := json.Marshal(requestFile{Letter: letter, Hub: hub.Device().String(), CollectedMs: time.Now().UnixMilli()})
	if err := atomicfile.WritePrivate(n.requestPath(id), b); err != nil {
		return false, err
	}
	n.requestChanged(id, "new")
	return true, nil
}

// requestChanged tells the subscribers that request id is new or changed
// (EventRequest).
func (n *Node) requestChanged(id [32]byte, what string) {
	n.events.emit(Event{Kind: EventRequest, Request: hex.EncodeToString(id[:]), RequestChange: what})
}

func (n *Node) readRequestFile(id [32]byte) (requestFile, error) {
	var f requestFile
	b, err := os.ReadFile(n.requestPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return f, ErrNoRequest
	} else if err != nil {
		return f, err
	}
	return f, json.Unmarshal(b, &f)
}

// request opens the request id.
func (n *Node) request(ctx context.Context, id [32]byte) (*Request, requestFile, error) {
	f, err := n.readRequestFile(id)
	if err != nil {
		return nil, f, err
	}
	r, err := n.openRequest(ctx, f.Letter)
	if err != nil {
		return nil, f, err
	}
	r.CollectedMs, r.Hub, r.Answered, r.Accepted = f.CollectedMs, f.Hub, f.Answered, f.Accepted
	rel, err := n.AccountRelation(ctx, r.account)
	if err != nil {
		return nil, f, err
	}
	r.Following = rel.Following
	if name := n.nameOf(ctx, r.account); name != r.account.Account().String() {
		r.FromName = name
	}
	return r, f, nil
}

// ParseRequestID reads a request's id: 64 hexadecimal digits (a prefix of
// at least 8 is enough when it names one request held).
func (n *Node) ParseRequestID(s string) ([32]byte, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if k, err := dropboxHex32(s); err == nil {
		return k, nil
	}
	if len(s) < 8 {
		return [32]byte{}, fmt.Errorf("%w: %q: give the request's id (at least its first 8 digits)", ErrNoRequest, s)
	}
	es, _ := os.ReadDir(n.requestsDir())
	var found []string
	for _, e := range es {
		if strings.HasPrefix(e.Name(), s) {
			found = append(found, e.Name())
		}
	}
	if len(found) != 1 {
		return [32]byte{}, fmt.Errorf("%w: %q names %d requests; give more digits", ErrNoRequest, s, len(found))
	}
	return dropboxHex32(found[0])
}

// Requests returns the requests held, oldest collected first.
func (n *Node) Requests(ctx context.Context) ([]Request, error) {
	es, err := os.ReadDir(n.requestsDir())
	if errors.Is(err, os.ErrNotExist) {
		return []Request{}, nil
	} else if err != nil {
		return nil, err
	}
	out := []Request{}
	for _, e := range es {
		id, err := dropboxHex32(e.Name())
		if err != nil {
			continue
		}
		r, _, err := n.request(ctx, id)
		if errors.Is(err, errLetterRefused) {
			continue // sealed to a key this device no longer holds
		} else if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	slices.SortStableFunc(out, func(a, b Request) int {
		if a.CollectedMs != b.CollectedMs {
			return int(a.CollectedMs - b.CollectedMs)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// GetRequest returns one request.
func (n *Node) GetRequest(ctx context.Context, id [32]byte) (*Request, error) {
	r, _, err := n.request(ctx, id)
	return r, err
}

func (n *Node) updateRequest(id [32]byte, change func(*requestFile)) error {
	requestsMu.Lock()
	defer requestsMu.Unlock()
	f, err := n.readRequestFile(id)
	if err != nil {
		return err
	}
	change(&f)
	b, _ := json.Marshal(f)
	return atomicfile.WritePrivate(n.requestPath(id), b)
}

// AnswerRequest answers a request with a private message to its sender
// (messages.md), wrapped also to the letter's answer key, and returns the
// conversation's id. The sender's certificate is stored, so that its
// replies are looked for (messages.md §6).
func (n *Node) AnswerRequest(ctx context.Context, id [32]byte, text string) (message.ID, error) {
	r, _, err := n.request(ctx, id)
	if err != nil {
		return message.ID{}, err
	}
	if err := n.appendCert(ctx, r.certEntry); err != nil {
		return message.ID{}, fmt.Errorf("keeping the sender's certificate: %w", err)
	}
	extra := map[identity.PublicKey][]seal.Recipient{r.account: {{Device: seal.ID(r.inner.Device), Key: r.replyKey.Key}}}
	conv, _, err := n.sendMessage(ctx, []identity.PublicKey{r.account}, text, extra)
	if err != nil {
		return message.ID{}, err
	}
	if err := n.updateRequest(id, func(f *requestFile) { f.Answered = hex.EncodeToString(conv[:]) }); err != nil {
		return conv, err
	}
	n.requestChanged(id, "answered")
	return conv, nil
}

// AcceptRequest follows the request's sender.
func (n *Node) AcceptRequest(ctx context.Context, id [32]byte) error {
	r, _, err := n.request(ctx, id)
	if err != nil {
		return err
	}
	if _, err := n.Follow(ctx, r.account, true); err != nil {
		return err
	}
	if err := n.updateRequest(id, func(f *requestFile) { f.Accepted = true }); err != nil {
		return err
	}
	n.requestChanged(id, "accepted")
	return nil
}

// IgnoreRequest forgets a request, and remembers its letter's id so that
// a hub that hands the letter over again does not show it again
// (dropboxignored.go).
func (n *Node) IgnoreRequest(ctx context.Context, id [32]byte) error {
	requestsMu.Lock()
	defer requestsMu.Unlock()
	if _, err := os.Stat(n.requestPath(id)); errors.Is(err, os.ErrNotExist) {
		return ErrNoRequest
	}
	if err := n.rememberIgnoredLocked(id); err != nil {
		return fmt.Errorf("remembering the ignored letter (the request stays): %w", err)
	}
	err := os.Remove(n.requestPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return ErrNoRequest
	}
	if err == nil {
		n.requestChanged(id, "ignored")
	}
	return err
}
