package replicate

import (
	"context"
	"fmt"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/store"
)

// run is the sender goroutine.
func (x *sender) run(ctx context.Context) {
	for {
		if !x.step(ctx) {
			select {
			case <-ctx.Done():
				return
			case <-x.wake:
			}
		}
	}
}

// step does one piece of work and reports whether it did any.
func (x *sender) step(ctx context.Context) bool {
	x.mu.Lock()
	if x.reconciled && len(x.have) > 0 {
		frames := x.haveFramesLocked()
		x.mu.Unlock()
		for _, f := range frames {
			x.s.w.sendControl(f)
		}
		return true
	}
	if x.wantsDone && x.initial == 0 && !x.caughtUpSent {
		x.caughtUpSent = true
		x.mu.Unlock()
		if x.s.w.sendData(AppendFrame(nil, &CaughtUp{})) {
			x.caughtUpQueued.Store(true)
			x.s.changed()
		}
		return true
	}
	if len(x.ready) == 0 || x.creditEntries < 1 || x.creditBytes < int64(maxEntryFrame) {
		x.mu.Unlock()
		return false
	}
	ol := x.ready[0]
	x.ready = x.ready[1:]
	ol.inReady, ol.pending = false, false
	from := ol.next
	n := int(min(int64(x.s.e.limits.SendChunk), x.creditEntries))
	x.mu.Unlock()

	stored, err := x.s.e.cfg.Store.LogRaw(ctx, ol.log, from, n)
	if err != nil {
		if ctx.Err() == nil {
			x.s.fail(&localError{fmt.Errorf("read log %s from seq %d: %w", ol.log, from, err)})
		}
		return false
	}
	for i, st := range stored {
		if st.Seq != from+uint64(i) {
			x.s.fail(&localError{fmt.Errorf("read log %s from seq %d: the store returned seq %d at position %d", ol.log, from, st.Seq, i)})
			return false
		}
	}

	x.mu.Lock()
	if x.logs[ol.log] != ol || ol.next != from {
		// Unwanted or restarted meanwhile: what was read is stale.
		x.mu.Unlock()
		return true
	}
	frames, sent, bytes := x.packLocked(stored)
	x.creditEntries -= int64(sent)
	x.creditBytes -= int64(bytes)
	ol.next = from + uint64(sent)
	if sent < len(stored) || len(stored) == n {
		x.markReady(ol) // more to send, in its next turn
	}
	if ol.target > 0 && (ol.next > ol.target || len(stored) < n && sent == len(stored)) {
		ol.target = 0
		x.initial--
	}
	x.mu.Unlock()

	for _, f := range frames {
		if !x.s.w.sendData(f) {
			return false
		}
	}
	x.s.entriesSent.Add(int64(sent))
	return true
}

// packLocked cuts stored entries into ENTRIES frames within the message
// limits and the credit held. It returns the frames, how many entries they
// hold and their bytes.
func (x *sender) packLocked(stored []store.RawEntry) ([][]byte, int, int) {
	var frames [][]byte
	sent, total := 0, 0
	credE, credB := int(x.creditEntries), int(x.creditBytes)
	for sent < len(stored) {
		k, sum := 0, 0
		for sent+k < len(stored) && k < MaxEntriesPerMessage && sent+k < credE {
			sz := rawWireSize(stored[sent+k].Header, stored[sent+k].Payload)
			size := entriesFrameSize(k+1, sum+sz)
			if size > FrameHeader+MaxMessage || total+size > credB {
				break
			}
			sum += sz
			k++
		}
		if k == 0 {
			break
		}
		frame := make([]byte, 0, entriesFrameSize(k, sum))
		frame = append(frame, 0, 0, 0, 0)
		frame = appendStart(frame, KindEntries)
		frame = cborwire.AppendArray(frame, k)
		for _, r := range stored[sent : sent+k] {
			frame = appendEntryElem(frame, r.Header, r.Payload)
		}
		putFrameLength(frame)
		frames = append(frames, frame)
		sent += k
		total += len(frame)
	}
	return frames, sent, total
}

// haveFramesLocked turns the pending HAVEs into frames and records that the
// peer now knows those heads.
func (x *sender) haveFramesLocked() [][]byte {
	var frames [][]byte
	heads := make([]Item, 0, min(len(x.have), MaxLogsPerMessage))
	for l, it := range x.have {
		heads = append(heads, it)
		x.notePeerLocked(l, it.Seq)
		delete(x.have, l)
		if len(heads) == MaxLogsPerMessage {
			frames = append(frames, AppendFrame(nil, &Have{Heads: heads}))
			heads = heads[:0]
		}
	}
	if len(heads) > 0 {
		frames = append(frames, AppendFrame(nil, &Have{Heads: heads}))
	}
	return frames
}
