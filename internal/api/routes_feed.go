package api

// feedRoutes are the endpoints of feeds and accounts (doc/api.md, "Feeds
// and accounts").
func (s *Server) feedRoutes() []route {
	return []route{
		{method: "GET", path: v1 + "/timeline", params: []string{"cursor", "limit"}, h: s.timeline},
		{method: "GET", path: v1 + "/accounts/{account}/posts", params: []string{"cursor", "limit"}, h: s.accountPosts},
		{method: "GET", path: v1 + "/threads/{id}", h: s.thread},
		{method: "GET", path: v1 + "/accounts/{account}", h: s.account},
		{method: "GET", path: v1 + "/follows", h: s.followsList},
		{method: "GET", path: v1 + "/followers", h: s.followersList},
	}
}
