package netnode

import (
	"log/slog"
	"os"

	golog "github.com/ipfs/go-log/v2"
	"github.com/libp2p/go-libp2p/gologshim"
)

// libp2pLogEnv is the variable with which an operator turns libp2p's own
// logs back on, e.g. GOLOG_LOG_LEVEL=info or GOLOG_LOG_LEVEL=error,dht=debug.
const libp2pLogEnv = "GOLOG_LOG_LEVEL"

// init silences the logs of libp2p (slog through gologshim) and of the DHT
// (go-log) unless GOLOG_LOG_LEVEL asks for them: they write to stderr on
// their own, and a kith node reports what matters through Config.Logger.
// gologshim reads its handler on each logger's first use, so this must run
// before any libp2p code logs, which an init function guarantees.
func init() {
	if os.Getenv(libp2pLogEnv) != "" {
		return
	}
	gologshim.SetDefaultHandler(slog.DiscardHandler)
	golog.SetAllLoggers(golog.LevelFatal)
}
