package api

import (
	"html"
	"net/http"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/webui"
)

// loginPath signs a browser in: GET /login?token=TOKEN.
const loginPath = "/login"

// uiHandler serves the web UI's files (the package sets their headers,
// the Content-Security-Policy among them).
func uiHandler() http.Handler { return webui.Handler() }

// login answers GET /login?token=TOKEN, the Web UI link 'kith serve'
// prints: a valid token sets the kith_token_PORT cookie (HttpOnly,
// SameSite=Strict, Path=/, for this browser session) and answers 303 to
// /; a missing or wrong one answers a 401 page saying where the link is.
func (r *root) login(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, apiError(wire.CodeMethodNotAllowed, "%s is not allowed on %s; use GET, HEAD", req.Method, loginPath))
		return
	}
	token := req.URL.Query().Get("token")
	if token == "" || !(&guard{tokenHash: r.tokenHash}).isToken(token) {
		r.log.Debug("web sign-in refused", "has_token", token != "")
		loginPage(w, http.StatusUnauthorized, "This sign-in link is not valid",
			"The link has no token, or not the token of the node running now (each start of 'kith serve' makes a new one). "+
				"Open the Web UI link that 'kith serve' printed, or run 'kith ui' to print it again.")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName(req.Host),
		Value:    token,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	})
	w.Header().Set("Location", "/")
	w.WriteHeader(http.StatusSeeOther)
}

// loginPage answers a small HTML page.
func loginPage(w http.ResponseWriter, status int, title, text string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kith: ` + html.EscapeString(title) + `</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;line-height:1.5}</style></head>
<body><h1>` + html.EscapeString(title) + `</h1><p>` + html.EscapeString(text) + `</p></body></html>
`))
}
