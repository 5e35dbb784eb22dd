package wire

import "time"

// The events of GET /api/v1/events for presence (doc/api.md).
const (
	// EventPresence: a device watched came online at a hub, changed its
	// heads or went; data {}: ask GET /api/v1/online.
	EventPresence = "presence"
	// EventSignal: a short message came through a hub; data: a Signal.
	EventSignal = "signal"
)

// MaxSignalText bounds SendSignalRequest.Text, in bytes
// (doc/protocol/services.md §7).
const MaxSignalText = 1024

// HubRef names a hub: its device and the name people know it by.
type HubRef struct {
	Device string `json:"device"`         // dev_…
	Name   string `json:"name,omitempty"` // its account's profile name, or its device's name
	// Session is the hub's number for this node's session (in Online.Hubs).
	Session uint64 `json:"session,omitempty"`
}

// OnlineHead is the head of one of an online device's logs, as its hubs
// told it.
type OnlineHead struct {
	Log string `json:"log"` // log_…
	Seq uint64 `json:"seq"`
	ID  string `json:"id"` // ent_…
}

// OnlinePeer is a device a hub says is online.
type OnlinePeer struct {
	Device     string       `json:"device"` // dev_…
	DeviceName string       `json:"device_name,omitempty"`
	Account    string       `json:"account"` // acc_…
	Name       string       `json:"name,omitempty"`
	Hubs       []HubRef     `json:"hubs"` // the hubs that say it is online
	Heads      []OnlineHead `json:"heads"`
}

// Signal is a short message that came through a hub.
type Signal struct {
	From        string    `json:"from"` // dev_…
	FromName    string    `json:"from_name,omitempty"`
	FromAccount string    `json:"from_account"` // acc_…
	Hub         string    `json:"hub"`          // dev_…
	Text        string    `json:"text"`
	Received    time.Time `json:"received"` // when this node took it: shown, never used to order
}

// Online answers GET /api/v1/online: who is online, the hubs this node is
// online at, and the messages that came through them (the last 64).
type Online struct {
	Online  []OnlinePeer `json:"online"`
	Hubs    []HubRef     `json:"hubs"`
	Signals []Signal     `json:"signals"`
}

// SendSignalRequest is the body of POST /api/v1/signals.
type SendSignalRequest struct {
	To   string `json:"to"`   // dev_… of a device connected to a hub this node is online at
	Text string `json:"text"` // 1…MaxSignalText bytes
}

// SentSignal answers POST /api/v1/signals: the hub that handed it on.
type SentSignal struct {
	Hub HubRef `json:"hub"`
}
