package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/atomyx/submit/internal/i18n"
)

//go:embed templates
var templateFS embed.FS

// pages holds the parsed templates, one set per language. html/template
// escapes every value by its context, so metadata, filenames and
// rejection reasons from anyone are shown as text, never as markup.
//
// A catalogue text without placeholders, {{t "key"}}, is written into
// its language's set when the templates are parsed, escaped for HTML, so
// that a page pays nothing for its fixed words; texts with values are
// rendered per request by the language's functions (langFuncs).
type pages struct {
	byLang map[string]*template.Template
}

// fixedText is {{t "key"}}: a text with no values.
var fixedText = regexp.MustCompile(`\{\{\s*t\s+"([^"]+)"\s*\}\}`)

func loadPages(a *assets) *pages {
	funcs := template.FuncMap{
		"asset": a.url,
		"inc":   func(i int) int { return i + 1 },
		// pagelist writes page numbers as a list: "1, 2, 5".
		"pagelist": func(pages []int) string {
			s := make([]string, len(pages))
			for i, n := range pages {
				s[i] = strconv.Itoa(n)
			}
			return strings.Join(s, ", ")
		},
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err) // the pattern is constant
	}
	p := &pages{byLang: map[string]*template.Template{}}
	for _, tag := range i18n.Supported() {
		pr := i18n.NewPrinter(tag)
		t := template.New("").Funcs(funcs).Funcs(langFuncs(pr))
		for _, f := range files {
			src, err := templateFS.ReadFile(f)
			if err != nil {
				panic(err) // embedded
			}
			text := fixedText.ReplaceAllStringFunc(string(src), func(m string) string {
				return template.HTMLEscapeString(pr.T(fixedText.FindStringSubmatch(m)[1]))
			})
			template.Must(t.New(path.Base(f)).Parse(text))
		}
		p.byLang[tag.String()] = t
	}
	return p
}

// render writes a page with the given status. It renders into a buffer
// first, so a template error becomes a plain 500 instead of half a page.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, v *view) {
	v.Nonce = nonceOf(r.Context())
	if v.p == nil {
		v.p = w.language(rw, r, nil)
	}
	v.Lang = v.p.Tag().String()
	v.Languages = langOptions[v.Lang]
	v.Words = w.assets.url("words-" + v.Lang + ".json")
	if v.Palette.Accent == "" {
		v.Palette = newPalette("")
	}
	buf := pagebufs.Get().(*bytes.Buffer)
	defer putPagebuf(buf)
	if err := w.pages.byLang[v.Lang].ExecuteTemplate(buf, "layout", v); err != nil {
		w.log.ErrorContext(r.Context(), "render page", "template", v.Template, "error", err)
		http.Error(rw, "Something went wrong on our side. Reload the page in a minute.", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Pages show live state and carry the CSRF token: never cache them.
	rw.Header().Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	buf.WriteTo(rw)
}

// pagebufs keeps the buffers pages are rendered into: a page is 5 to
// 10 KB, which a fresh buffer reaches by growing and copying eight times.
var pagebufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putPagebuf returns a buffer to the pool, unless a rare page grew it
// large: the pool should not keep that memory.
func putPagebuf(b *bytes.Buffer) {
	if b.Cap() > 64<<10 {
		return
	}
	b.Reset()
	pagebufs.Put(b)
}

// refuse answers a refused request with the catalogue's text of key and
// its values, in the language refusalPrinter picks.
func (w *Web) refuse(rw http.ResponseWriter, r *http.Request, status int, key string, pairs ...any) {
	p := refusalPrinter(r)
	w.refuseIn(rw, r, p, status, p.T(key, pairs...))
}

// refuseIn answers a refused request with words already in p's language:
// JSON for scripts (which ask for it; they show the words), a short page
// for browsers, headed by the catalogue's refuse.h.<status>.
func (w *Web) refuseIn(rw http.ResponseWriter, r *http.Request, p *i18n.Printer, status int, msg string) {
	if wantsJSON(r) {
		writeJSON(rw, status, map[string]string{"error": msg})
		return
	}
	h := p.T("refuse.h." + strconv.Itoa(status))
	v := &view{Template: "message", Title: h, Heading: h, Text: msg, p: p}
	if t := r.PathValue("token"); plausibleToken(t) {
		v.Back = "/u/" + t
	}
	w.render(rw, r, status, v)
}
