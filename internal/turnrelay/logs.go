package turnrelay

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs hands pion's log lines to the node's logger at debug level:
// what pion reports (a peer's malformed packet, a failed send) is about
// a peer, not something the operator must act on.
type pionLogs struct{ log *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger { return pionLogger{f.log, scope} }

type pionLogger struct {
	log   *slog.Logger
	scope string
}

func (l pionLogger) out(msg string) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.log.Debug("pion " + l.scope + ": " + msg)
	}
}
func (l pionLogger) Trace(string)              {}
func (l pionLogger) Tracef(string, ...any)     {}
func (l pionLogger) Debug(string)              {}
func (l pionLogger) Debugf(string, ...any)     {}
func (l pionLogger) Info(m string)             { l.out(m) }
func (l pionLogger) Infof(f string, a ...any)  { l.out(fmt.Sprintf(f, a...)) }
func (l pionLogger) Warn(m string)             { l.out(m) }
func (l pionLogger) Warnf(f string, a ...any)  { l.out(fmt.Sprintf(f, a...)) }
func (l pionLogger) Error(m string)            { l.out(m) }
func (l pionLogger) Errorf(f string, a ...any) { l.out(fmt.Sprintf(f, a...)) }

var discard = slog.New(slog.DiscardHandler)
