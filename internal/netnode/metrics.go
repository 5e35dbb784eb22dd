package netnode

import (
	"strings"
	"sync"
	"time"

	pbv2 "github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/pb"
)

// RelayStats are what the host's relay service (Config.RelayService) did
// since the host started: counts that only grow, and what is open now.
type RelayStats struct {
	On bool // the service runs
	// Slots are the relay slots (reservations) held now; SlotsGiven the
	// slots given, SlotsRenewed the renewals, SlotsEnded the slots that
	// ended (expired, or their peer went).
	Slots, SlotsGiven, SlotsRenewed, SlotsEnded int64
	// Circuits are the relayed connections open now; CircuitsOpened and
	// CircuitsClosed count them.
	Circuits, CircuitsOpened, CircuitsClosed int64
	// Bytes is what relayed connections carried, both ways.
	Bytes int64
	// SlotsRefused and CircuitsRefused count the refused requests by
	// reason: "not_served" (the hub does not serve the peer, or it is
	// refused for misbehaviour), "limit" (a limit of the relay is
	// reached), "no_slot" (the peer asked for holds no slot), "failed"
	// (the connection to it failed), "malformed".
	SlotsRefused, CircuitsRefused map[string]int64
}

// RelayEvent is something of the relay service an operator wants in the
// log: a refusal with its reason, slots that ended, a relayed connection
// that ran for its whole time.
type RelayEvent struct {
	// What is "slot_refused", "circuit_refused", "slots_ended" or
	// "circuit_time_limit".
	What   string
	Reason string        // of a refusal (RelayStats.SlotsRefused's reasons)
	Count  int           // slots_ended: how many
	After  time.Duration // circuit_time_limit: how long it ran
}

// relayMeter counts what the relay service does (libp2p's relay
// MetricsTracer) and tells an observer of the events in RelayEvent.
type relayMeter struct {
	limit time.Duration // a relayed connection's time limit

	mu       sync.Mutex
	st       RelayStats
	observer func(RelayEvent)
}

func newRelayMeter(limit time.Duration) *relayMeter {
	return &relayMeter{limit: limit, st: RelayStats{SlotsRefused: map[string]int64{}, CircuitsRefused: map[string]int64{}}}
}

// relayReason is the reason of a refusal status.
func relayReason(s pbv2.Status) string {
	switch s {
	case pbv2.Status_PERMISSION_DENIED, pbv2.Status_RESERVATION_REFUSED:
		return "not_served"
	case pbv2.Status_RESOURCE_LIMIT_EXCEEDED:
		return "limit"
	case pbv2.Status_NO_RESERVATION:
		return "no_slot"
	case pbv2.Status_CONNECTION_FAILED:
		return "failed"
	case pbv2.Status_MALFORMED_MESSAGE, pbv2.Status_UNEXPECTED_MESSAGE:
		return "malformed"
	}
	return strings.ToLower(s.String())
}

// tell calls the observer, outside the lock.
func (m *relayMeter) tell(ev RelayEvent) {
	m.mu.Lock()
	o := m.observer
	m.mu.Unlock()
	if o != nil {
		o(ev)
	}
}

func (m *relayMeter) RelayStatus(enabled bool) {
	m.mu.Lock()
	m.st.On = enabled
	m.mu.Unlock()
}

func (m *relayMeter) ConnectionOpened() {
	m.mu.Lock()
	m.st.Circuits++
	m.st.CircuitsOpened++
	m.mu.Unlock()
}

func (m *relayMeter) ConnectionClosed(d time.Duration) {
	m.mu.Lock()
	m.st.Circuits--
	m.st.CircuitsClosed++
	m.mu.Unlock()
	if d >= m.limit {
		m.tell(RelayEvent{What: "circuit_time_limit", After: d})
	}
}

func (m *relayMeter) ConnectionRequestHandled(status pbv2.Status) {
	if status == pbv2.Status_OK {
		return
	}
	r := relayReason(status)
	m.mu.Lock()
	m.st.CircuitsRefused[r]++
	m.mu.Unlock()
	m.tell(RelayEvent{What: "circuit_refused", Reason: r})
}

func (m *relayMeter) ReservationAllowed(isRenewal bool) {
	m.mu.Lock()
	if isRenewal {
		m.st.SlotsRenewed++
	} else {
		m.st.Slots++
		m.st.SlotsGiven++
	}
	m.mu.Unlock()
}

func (m *relayMeter) ReservationClosed(cnt int) {
	m.mu.Lock()
	m.st.Slots -= int64(cnt)
	m.st.SlotsEnded += int64(cnt)
	m.mu.Unlock()
	m.tell(RelayEvent{What: "slots_ended", Count: cnt})
}

func (m *relayMeter) ReservationRequestHandled(status pbv2.Status) {
	if status == pbv2.Status_OK {
		return
	}
	r := relayReason(status)
	m.mu.Lock()
	m.st.SlotsRefused[r]++
	m.mu.Unlock()
	m.tell(RelayEvent{What: "slot_refused", Reason: r})
}

func (m *relayMeter) BytesTransferred(cnt int) {
	m.mu.Lock()
	m.st.Bytes += int64(cnt)
	m.mu.Unlock()
}

// RelayStats reports the relay service's counts; zero without the
// service.
func (h *Host) RelayStats() RelayStats {
	m := h.relaying
	if m == nil {
		return RelayStats{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.st
	st.SlotsRefused, st.CircuitsRefused = make(map[string]int64, len(m.st.SlotsRefused)), make(map[string]int64, len(m.st.CircuitsRefused))
	for k, v := range m.st.SlotsRefused {
		st.SlotsRefused[k] = v
	}
	for k, v := range m.st.CircuitsRefused {
		st.CircuitsRefused[k] = v
	}
	return st
}

// ObserveRelay calls fn with the relay service's events (RelayEvent), from
// the relay's goroutines; fn must not block. Without the service it does
// nothing.
func (h *Host) ObserveRelay(fn func(RelayEvent)) {
	if m := h.relaying; m != nil {
		m.mu.Lock()
		m.observer = fn
		m.mu.Unlock()
	}
}
