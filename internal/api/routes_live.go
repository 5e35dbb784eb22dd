package api

// liveRoutes are the endpoints of the live event stream and first-run
// setup (doc/api.md, "Live events, web sign-in and first-run setup").
func (s *Server) liveRoutes() []route {
	return []route{}
}
