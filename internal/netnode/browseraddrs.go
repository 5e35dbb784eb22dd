package netnode

import ma "github.com/multiformats/go-multiaddr"

// BrowserAddrs returns the addresses of addrs a browser can dial:
// WebSocket (ws, wss) and WebRTC-direct, relayed ones left out.
func BrowserAddrs(addrs []string) []string {
	out := []string{}
	for _, s := range addrs {
		m, err := ma.NewMultiaddr(s)
		if err != nil {
			continue
		}
		browser, relayed := false, false
		for _, c := range m {
			switch c.Protocol().Code {
			case ma.P_WS, ma.P_WSS, ma.P_WEBRTC_DIRECT:
				browser = true
			case ma.P_CIRCUIT:
				relayed = true
			}
		}
		if browser && !relayed {
			out = append(out, s)
		}
	}
	return out
}
