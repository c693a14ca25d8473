package web

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
)

// langCookie keeps the language a customer picked on a page, for every
// page of every link in this browser. It is a preference, not a secret:
// readable by no script (it need not be), and Lax like the CSRF cookie so
// that it holds when the link is opened from an email.
const langCookie = "submit_lang"

// langParam is the query parameter of the language switcher, a plain GET
// form so that it works without JavaScript.
const langParam = "lang"

// pageLangParam carries a page's language on its forms' actions
// (…/approve?hl=de), so that a refusal of the form speaks it without
// reading the job. It is not a choice: it sets no cookie.
const pageLangParam = "hl"

// refusalPrinter picks a refusal's language without reading the job (a
// refusal must stay cheap; the rate limit answers with one): the page's
// language when the request names it (its forms carry hl=, its scripts
// send the page's language as Accept-Language), else the customer's
// choice (the cookie), else Accept-Language, else English.
func refusalPrinter(r *http.Request) *i18n.Printer {
	if t, err := i18n.Parse(r.URL.Query().Get(pageLangParam)); err == nil {
		return i18n.NewPrinter(t)
	}
	p := i18n.Preference{AcceptLanguage: r.Header.Get("Accept-Language")}
	if c, err := r.Cookie(langCookie); err == nil {
		p.Chosen = c.Value
	}
	return i18n.NewPrinter(p.Tag())
}

// language picks the page's language: the customer's choice (the switcher
// now, else its cookie), else the job's locale, else the browser's
// Accept-Language, else the tenant's default, else English. The tenant is
// read only when nothing before it decides. A choice made with the
// switcher is remembered in the cookie.
func (w *Web) language(rw http.ResponseWriter, r *http.Request, j *job.Job) *i18n.Printer {
	var chosen string
	if t, err := i18n.Parse(r.URL.Query().Get(langParam)); err == nil {
		chosen = i18n.Match(t).String()
		http.SetCookie(rw, &http.Cookie{Name: langCookie, Value: chosen, Path: "/",
			MaxAge: 365 * 24 * 60 * 60, HttpOnly: true, Secure: w.cookie.secure, SameSite: http.SameSiteLaxMode})
	} else if c, err := r.Cookie(langCookie); err == nil {
		chosen = c.Value // a language no longer supported is passed over
	}
	p := i18n.Preference{Chosen: chosen, AcceptLanguage: r.Header.Get("Accept-Language")}
	if j != nil {
		p.Job = j.Locale
		if _, ok := p.Find(); !ok {
			p.Tenant = w.tenantLocale(r.Context(), j.TenantID)
		}
	}
	return i18n.NewPrinter(p.Tag())
}

func (w *Web) tenantLocale(ctx context.Context, tenantID string) string {
	t, err := w.d.Store.Tenant(ctx, tenantID)
	if err != nil {
		return "" // English: a language is not worth an error page
	}
	return t.Settings.Locale
}

// langOptions are the switcher's <option>s for each page language, each
// language named in itself ("Deutsch", "Suomi") with the page's own
// selected: written once, as they never change.
var langOptions = func() map[string]template.HTML {
	out := map[string]template.HTML{}
	for _, cur := range i18n.Supported() {
		var b strings.Builder
		for _, t := range i18n.Supported() {
			tag := template.HTMLEscapeString(t.String())
			b.WriteString(`<option value="` + tag + `" lang="` + tag + `"`)
			if t == cur {
				b.WriteString(" selected")
			}
			b.WriteString(">" + template.HTMLEscapeString(i18n.Name(t)) + "</option>")
		}
		out[cur.String()] = template.HTML(b.String())
	}
	return out
}()

// langFuncs are the template functions of one language, bound to its
// printer when the templates are parsed (pages.go): the page's words with
// values in them ({{t "web.foot" "order" .OrderRef}}), sizes and dates.
// Functions rather than methods of the view: a template calls a function
// it holds directly, a method after looking it up on every call.
func langFuncs(p *i18n.Printer) template.FuncMap {
	return template.FuncMap{
		"t": p.T,
		// strong renders a text with its values in bold.
		"strong": func(key string, pairs ...any) template.HTML { return marked(p, key, "<strong>", "</strong>", pairs) },
		// fname renders a text with its values set as file names.
		"fname": func(key string, pairs ...any) template.HTML {
			return marked(p, key, `<span class="fname">`, "</span>", pairs)
		},
		"bytes": func(n int64) string { return p.Bytes(n) },
		"date":  func(t time.Time) string { return dateIn(p, t) },
	}
}

// marked renders a catalogue text with each string value between open and
// close: it fills the placeholders with markers, escapes the text, then
// puts each escaped value where its marker was, so that only open and
// close are markup. Values that are not strings (numbers) are formatted
// as usual and not marked.
func marked(p *i18n.Printer, key, open, close string, pairs []any) template.HTML {
	marks := make([]any, len(pairs))
	copy(marks, pairs)
	var values []string
	for i := 1; i < len(marks); i += 2 {
		if s, ok := marks[i].(string); ok {
			marks[i] = "\x01" + string(rune('A'+len(values))) + "\x01"
			values = append(values, s)
		}
	}
	out := template.HTMLEscapeString(p.T(key, marks...))
	for i, s := range values {
		out = strings.Replace(out, "\x01"+string(rune('A'+i))+"\x01", open+template.HTMLEscapeString(s)+close, 1)
	}
	return template.HTML(out)
}

// dateIn is a time as the language writes a date, in UTC.
func dateIn(p *i18n.Printer, t time.Time) string {
	t = t.UTC()
	return p.T("web.date", "day", t.Format("2"), "month", p.T("web.month."+t.Format("1")),
		"year", t.Format("2006"), "hour", t.Format("15"), "minute", t.Format("04"))
}

// wordFiles are the words of the page's scripts in each language, one
// asset words-<tag>.json per language, by key without its "web.js."
// prefix, placeholders left for the script to fill. They are assets, not
// part of the page, so that a page carries no inline data and a browser
// fetches them once.
func wordFiles() map[string][]byte {
	keys := i18n.Keys("web.js.")
	out := map[string][]byte{}
	for _, t := range i18n.Supported() {
		p := i18n.NewPrinter(t)
		words := make(map[string]string, len(keys))
		for _, k := range keys {
			words[strings.TrimPrefix(k, "web.js.")] = p.Template(k)
		}
		b, err := json.Marshal(words)
		if err != nil {
			panic(err) // strings always marshal
		}
		out["words-"+t.String()+".json"] = b
	}
	return out
}
