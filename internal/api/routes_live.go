package api

// liveRoutes are the endpoints of the live event stream and first-run
// setup (doc/api.md, "Live events, web sign-in and first-run setup"). They
// answer in setup mode too.
func (s *Server) liveRoutes() []route {
	return []route{
		{method: "GET", path: v1 + "/events", setup: true, h: s.events},
		{method: "GET", path: v1 + "/setup", setup: true, h: s.setupState},
		{method: "POST", path: v1 + "/setup/phrase", setup: true, h: s.setupPhrase},
		{method: "POST", path: v1 + "/setup", setup: true, h: s.setup},
	}
}
