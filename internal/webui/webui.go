package webui

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Files returns the embedded files, rooted at the static folder.
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the folder is embedded above
	}
	return sub
}

// Handler serves the web interface's files.
func Handler() http.Handler {
	return http.FileServerFS(Files())
}
