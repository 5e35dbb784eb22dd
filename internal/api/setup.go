package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// setupState answers GET /api/v1/setup.
func (s *Server) setupState(w http.ResponseWriter, _ *http.Request, _ url.Values) error {
	writeJSON(w, wire.SetupState{Initialized: s.n != nil})
	return nil
}

// errAlreadyInitialized refuses setup on a node with an account.
func errAlreadyInitialized() *wire.Error {
	return apiError(wire.CodeAlreadyInitialized, "this node already has an account; setup creates one only on a node started without one")
}

// setupPhrase answers POST /api/v1/setup/phrase: a fresh recovery phrase,
// kept nowhere.
func (s *Server) setupPhrase(w http.ResponseWriter, _ *http.Request, _ url.Values) error {
	if s.n != nil {
		return errAlreadyInitialized()
	}
	p, err := identity.NewPhrase(nil)
	if err != nil {
		return err
	}
	writeJSON(w, wire.SetupPhrase{Words: p.Words()})
	return nil
}

// setup answers POST /api/v1/setup: it creates the account of the phrase
// (new or restored) with a new device in the home, and from then on the
// server serves the new node.
func (s *Server) setup(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	if s.n != nil {
		return errAlreadyInitialized()
	}
	var req wire.SetupRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(req.Phrase) == "":
		return apiError(wire.CodeBadRequest, "phrase is missing: give the %d words of a recovery phrase, separated by spaces (POST /api/v1/setup/phrase makes a new one)", identity.PhraseWords)
	case len(req.Phrase) > wire.MaxPhraseLen:
		return apiError(wire.CodeBadRequest, "phrase is %d bytes long, more than %d", len(req.Phrase), wire.MaxPhraseLen)
	case len(req.Passphrase) > wire.MaxPassphraseLen:
		return apiError(wire.CodeBadRequest, "passphrase is %d bytes long, more than %d", len(req.Passphrase), wire.MaxPassphraseLen)
	}
	if err := checkDeviceName(req.DeviceName); err != nil {
		return err
	}
	phrase, err := identity.ParsePhrase(req.Phrase)
	if err != nil {
		return apiError(wire.CodeBadRequest, "%s", strings.TrimPrefix(err.Error(), "identity: "))
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
	o.PhrasePassphrase = req.Passphrase
	if name := strings.TrimSpace(req.DeviceName); name != "" {
		o.DeviceName = name
	}
	n, err := node.Restore(rt.setup.Home, phrase, o)
	if errors.Is(err, node.ErrAlreadyInitialized) {
		return errAlreadyInitialized()
	}
	if err != nil {
		return err
	}
	ns := rt.serverOf(n)
	rt.cur.Store(ns)
	close(rt.inited)
	rt.log.Info("account created by setup", "account", n.Account(), "device", n.Device())
	if rt.setup.OnInit != nil {
		rt.setup.OnInit(n)
	}
	v, err := ns.svc.Identity(r.Context())
	return respond(w, v, err)
}

// checkDeviceName refuses a device name a device certificate cannot hold.
func checkDeviceName(name string) error {
	switch {
	case len(name) > content.MaxDeviceName:
		return apiError(wire.CodeBadRequest, "device_name is %d bytes long, more than %d", len(name), content.MaxDeviceName)
	case !utf8.ValidString(name):
		return apiError(wire.CodeBadRequest, "device_name is not valid UTF-8")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return apiError(wire.CodeBadRequest, "device_name has a control character")
	}
	return nil
}
