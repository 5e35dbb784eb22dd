package node

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
)

// Log formats (log_format in config.toml).
const (
	LogText = "text" // key=value, one line an event
	LogJSON = "json" // one JSON object a line
)

// NewLogger returns the node's logger writing to w at level in format
// (LogText or LogJSON; "" is LogText).
func NewLogger(format string, w io.Writer, level slog.Level) (*slog.Logger, error) {
	o := &slog.HandlerOptions{Level: level}
	switch format {
	case LogText, "":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case LogJSON:
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, fmt.Errorf("log_format = %q: give %q or %q", format, LogText, LogJSON)
}

// metricsAddr is where the metrics are served: "" (off), or metrics_listen
// with a port alone taken on loopback.
func (c Config) metricsAddr() string {
	if c.MetricsListen == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(c.MetricsListen)
	if err == nil && host == "" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return c.MetricsListen
}

// checkOps checks metrics_listen, metrics_public and log_format.
func (c Config) checkOps() error {
	if _, err := NewLogger(c.LogFormat, io.Discard, slog.LevelInfo); err != nil {
		return err
	}
	if c.MetricsListen == "" {
		if c.MetricsPublic {
			return fmt.Errorf("metrics_public = true but metrics_listen is empty: give the address to serve the metrics at")
		}
		return nil
	}
	addr := c.metricsAddr()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("metrics_listen = %q: give HOST:PORT, such as 127.0.0.1:7691, or :7691 for loopback", c.MetricsListen)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("metrics_listen = %q: %q is not a port", c.MetricsListen, port)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil && host != "localhost" {
		return fmt.Errorf("metrics_listen = %q: give an IP address, such as 127.0.0.1", c.MetricsListen)
	}
	if host != "localhost" && !ip.IsLoopback() && !c.MetricsPublic {
		return fmt.Errorf("metrics_listen = %q is not a loopback address: the metrics have no password, so anyone who reaches that address reads them; set metrics_public = true to serve them there anyway (behind a firewall or a proxy that asks for one)", c.MetricsListen)
	}
	if addr == c.API || c.MetricsListen == c.API {
		return fmt.Errorf("metrics_listen = %q is the API's address: give the metrics a port of their own", c.MetricsListen)
	}
	return nil
}
