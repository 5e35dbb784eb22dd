package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
)

// setupPair answers POST /api/v1/setup/pair: in setup mode, it makes the
// home a new device of the account of a pairing code (node.Pair; no
// recovery phrase, no account key), after which the server serves the new
// node, as after POST /api/v1/setup.
func (s *Server) setupPair(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	if s.n != nil {
		return errAlreadyInitialized()
	}
	var req wire.SetupPairRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	code := strings.TrimSpace(req.Code)
	switch {
	case code == "":
		return apiError(wire.CodeBadRequest, "code is missing: give the pairing code your other device shows ('kith device pair', or \"Add a device\" in its web UI)")
	case len(code) > wire.MaxPairCodeLen:
		return apiError(wire.CodeBadRequest, "code is %d bytes long, more than %d", len(code), wire.MaxPairCodeLen)
	}
	if err := checkDeviceName(req.DeviceName); err != nil {
		return err
	}
	rt := s.r
	if rt.setup == nil {
		return errAlreadyInitialized()
	}
	rt.initMu.Lock()
	defer rt.initMu.Unlock()
	if rt.cur.Load().n != nil {
		return errAlreadyInitialized()
	}
	o := rt.setup.Node
	o.DeviceName = strings.TrimSpace(req.DeviceName)
	n, res, err := node.Pair(r.Context(), rt.setup.Home, code, o, node.PairOptions{})
	if err != nil {
		return setupPairError(err)
	}
	ns := rt.serverOf(n)
	rt.cur.Store(ns)
	close(rt.inited)
	rt.log.Info("device paired by setup", "account", n.Account(), "device", n.Device(), "pairing_device", res.PairingDevice)
	if rt.setup.OnInit != nil {
		rt.setup.OnInit(n)
	}
	id, err := ns.svc.Identity(r.Context())
	if err != nil {
		return err
	}
	return respond(w, wire.SetupPaired{Identity: id, PairingDevice: res.PairingDevice.String(), Name: res.Name}, nil)
}

// setupPairError gives the errors of pairing their API codes: the code's
// own faults are 400, the pairing device's refusals 403, an expired code
// 410, a pairing device out of reach 502.
func setupPairError(err error) error {
	switch {
	case errors.Is(err, node.ErrAlreadyInitialized):
		return errAlreadyInitialized()
	case errors.Is(err, node.ErrBadPairCode):
		return withCode(wire.CodeBadRequest, err)
	case errors.Is(err, node.ErrPairCodeExpired):
		return withCode(wire.CodePairExpired, err)
	case errors.Is(err, node.ErrPairRefused):
		return withCode(wire.CodePairRefused, err)
	}
	return err
}
