package node

import (
	"encoding/hex"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/message"
)

// conversationsFile holds the conversations this device takes part in,
// encrypted like the keyring (messages.md §1, spaces.md §6): only the
// stored form 0x01 ‖ creator ‖ secret of each and the devices this device
// announced it to. No text, no participant list.
const conversationsFile = "conversations"

// ErrNoConversation is returned for a conversation this device does not
// hold.
var ErrNoConversation = errors.New("no such conversation here")

// ErrMessageRecipients is returned by SendMessage when a recipient cannot
// be written to (unknown account, no device with an encryption key).
var ErrMessageRecipients = errors.New("cannot write to these recipients")

// convInfo is what this device knows of one conversation besides its
// secret. Only announced is written to disk (encrypted); the rest is
// read from the store again after a restart.
type convInfo struct {
	conv *message.Conversation
	// announced: the devices this device wrapped the secret to (as the
	// creator, or re-announcing to its account's new devices).
	announced map[identity.PublicKey]bool
	// participants, from the start message once it is held and opened;
	// nil until then (an unverified conversation).
	participants []identity.PublicKey
	// ownAtOpen: this account's devices when this device opened the
	// conversation; it re-announces only to devices added since.
	ownAtOpen map[identity.PublicKey]bool
	// renew: the key generations held and the renewals read
	// (messages.md §11, messagerotate.go).
	renew convRenewals
}

// messageState is the node's conversations (guarded by mu) and the
// scanning of its store for announcement parts and messages.
type messageState struct {
	mu     sync.Mutex
	loaded bool
	book   *message.Book
	convs  map[message.ID]*convInfo
	epochs map[message.ID]bool // announced epoch ids of the conversations held
	// scanned: up to which store cursor each device's entries were read.
	scanned map[identity.PublicKey]int64
	// since: entries with a cursor above it arrived while this process
	// ran: their messages are reported as events.
	since    int64
	sinceSet bool

	// followed: the devices of the accounts followed (blocked ones left
	// out), with their accounts, kept from the scope's changes while one
	// network runs (messageAuthors), so that one more follow costs one
	// account, not all of them again.
	followed followedDevices

	wake     chan struct{}
	wakeOnce sync.Once

	// wants is a copy of what the scope wants of the conversations, so
	// that the scope never waits for mu (keepMessages appends under it).
	wantsMu sync.Mutex
	wants   []convWant
}

// convWant is one conversation as the scope sees it.
type convWant struct {
	conv         *message.Conversation
	participants []identity.PublicKey
}

func (ms *messageState) wakeChan() chan struct{} {
	ms.wakeOnce.Do(func() { ms.wake = make(chan struct{}, 1) })
	return ms.wake
}

// conversationsDoc is the plaintext of the conversations file.
type conversationsDoc struct {
	Conversations []storedConv `json:"conversations"`
	// Scanned: up to which store cursor each device's entries were read
	// (device key in hex), so that a restart does not try again the
	// announcement parts that were not for this device.
	Scanned map[string]int64 `json:"scanned,omitempty"`
}

type storedConv struct {
	Conv      string   `json:"conv"` // hex of message.Conversation.MarshalBinary
	Announced []string `json:"announced,omitempty"`
	OwnAtOpen []string `json:"own_at_open,omitempty"`
	storedRenewals
}

func (n *Node) conversationsPath() string { return filepath.Join(n.home, keyDir, conversationsFile) }

// loadConversations reads the conversations file once. ms.mu is held. A
// file that does not decrypt or parse is reported and set aside: the
// conversations are opened again from the announcements in the store.
func (n *Node) loadConversations() error {
	ms := &n.msgs
	if ms.loaded {
		return nil
	}
	ms.loaded = true
	ms.book = message.NewBook()
	ms.convs = map[message.ID]*convInfo{}
	ms.epochs = map[message.ID]bool{}
	ms.scanned = map[identity.PublicKey]int64{}
	var doc conversationsDoc
	switch err := n.readKeyFile(conversationsFile, "kith-conversations-file-v1", "the conversations will be found again in the store", &doc); {
	case errors.Is(err, errNoKeyFile):
		return nil
	case err != nil:
		return err
	}
	for d, c := range doc.Scanned {
		if k, ok := unhex32(d); ok && c > 0 {
			ms.scanned[identity.PublicKey(k)] = c
		}
	}
	for _, s := range doc.Conversations {
		raw, err := hex.DecodeString(s.Conv)
		if err != nil {
			continue
		}
		c, err := message.ParseConversation(raw)
		if err != nil {
			continue
		}
		ci := n.addConversation(c)
		for _, d := range s.Announced {
			if k, ok := unhex32(d); ok {
				ci.announced[identity.PublicKey(k)] = true
			}
		}
		for _, d := range s.OwnAtOpen {
			if k, ok := unhex32(d); ok {
				ci.ownAtOpen[identity.PublicKey(k)] = true
			}
		}
		ci.renew.load(c, s.storedRenewals)
	}
	return nil
}

// addConversation puts c among the conversations held (ms.mu held) and
// returns its info; a conversation held already keeps its info.
func (n *Node) addConversation(c *message.Conversation) *convInfo {
	ms := &n.msgs
	if ci := ms.convs[c.ID()]; ci != nil {
		return ci
	}
	ms.book.Add(c)
	ci := &convInfo{conv: c, announced: map[identity.PublicKey]bool{}, ownAtOpen: map[identity.PublicKey]bool{}, renew: newConvRenewals(c)}
	ms.convs[c.ID()] = ci
	// The creator's announcement; others' re-announcements are recorded
	// as their authors are met (noteAnnouncers).
	ms.epochs[c.AnnouncedEpoch(c.Creator)] = true
	ms.epochs[c.AnnouncedEpoch(message.ID(n.device.Public()))] = true
	return ci
}

// saveConversations writes the conversations file. ms.mu is held.
func (n *Node) saveConversations() error {
	doc := conversationsDoc{Scanned: map[string]int64{}}
	for d, c := range n.msgs.scanned {
		doc.Scanned[hex32(d)] = c
	}
	for _, ci := range n.msgs.convs {
		raw, err := ci.conv.MarshalBinary()
		if err != nil {
			return err
		}
		s := storedConv{Conv: hex.EncodeToString(raw)}
		for d := range ci.announced {
			s.Announced = append(s.Announced, hex32(d))
		}
		for d := range ci.ownAtOpen {
			s.OwnAtOpen = append(s.OwnAtOpen, hex32(d))
		}
		slices.Sort(s.Announced)
		slices.Sort(s.OwnAtOpen)
		s.storedRenewals = ci.renew.stored(ci.conv)
		doc.Conversations = append(doc.Conversations, s)
	}
	slices.SortFunc(doc.Conversations, func(a, b storedConv) int { return strings.Compare(a.Conv, b.Conv) })
	return n.writeKeyFile(conversationsFile, "kith-conversations-file-v1", doc)
}

// publishWants copies what the scope wants of the conversations. ms.mu is
// held.
func (n *Node) publishWants() {
	ms := &n.msgs
	ws := make([]convWant, 0, len(ms.convs))
	for _, ci := range ms.convs {
		ws = append(ws, convWant{conv: ci.conv, participants: ci.participants})
	}
	ms.wantsMu.Lock()
	ms.wants = ws
	ms.wantsMu.Unlock()
}
