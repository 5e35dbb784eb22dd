package api

// feedRoutes are the endpoints of feeds and accounts (doc/api.md, "Feeds
// and accounts").
func (s *Server) feedRoutes() []route {
	return []route{}
}
