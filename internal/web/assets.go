package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"time"
)

//go:embed static
var staticFS embed.FS

// assets are the embedded CSS and JavaScript. Pages link them with their
// content hash in the query (?v=…), so a response can be cached for a year:
// a new binary with a changed file links a new URL. Modules that import
// each other use plain paths and revalidate by ETag.
type assets struct {
	files map[string]asset
}

type asset struct {
	data []byte
	hash string
}

func loadAssets() *assets {
	a := &assets{files: map[string]asset{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err) // the embedded directory is part of the binary
	}
	for _, e := range entries {
		data, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		a.add(e.Name(), data)
	}
	for name, data := range wordFiles() {
		a.add(name, data)
	}
	return a
}

func (a *assets) add(name string, data []byte) {
	sum := sha256.Sum256(data)
	a.files[name] = asset{data: data, hash: hex.EncodeToString(sum[:6])}
}

// url is the cache-busting address of an asset, for templates.
func (a *assets) url(name string) string {
	f, ok := a.files[name]
	if !ok {
		panic("web: no asset " + name) // a template names a file that is not embedded
	}
	return "/static/u/" + name + "?v=" + f.hash
}

func (a *assets) serve(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	f, ok := a.files[name]
	if !ok {
		http.NotFound(rw, r)
		return
	}
	h := rw.Header()
	h.Set("ETag", `"`+f.hash+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if ct := contentTypes[path.Ext(name)]; ct != "" {
		h.Set("Content-Type", ct)
	}
	http.ServeContent(rw, r, name, time.Time{}, bytes.NewReader(f.data))
}

var contentTypes = map[string]string{
	".json": "application/json",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
}
