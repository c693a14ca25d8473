package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
	"golang.org/x/text/number"
)

// The catalogues are one JSON object per language, catalogue/<tag>.json,
// mapping a key to its text. Placeholders are named, {ppi}, so that a
// translator can move them and a test can compare them; a text whose
// words change with a count is an object of CLDR plural forms, selected
// by the placeholder "plural" names:
//
//	"pages": {"plural": "n", "one": "{n} page", "other": "{n} pages"}
//
// Loading turns the names into printf positions (in the order of the
// English entry's sorted names) and the forms into plural.Selectf, so
// that x/text's catalog and printer do the rest: the plural rules of
// each language and its digits, grouping and decimal separator.
//
//go:embed catalogue/*.json
var files embed.FS

// entry is one key's text in one language, as written in its file.
type entry struct {
	Text   string
	Plural string            // the placeholder that selects a form
	Forms  map[string]string // CLDR category ("one", "few", …) to text
}

func (e *entry) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &e.Text)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	e.Plural = m["plural"]
	delete(m, "plural")
	if e.Plural == "" || m["other"] == "" {
		return fmt.Errorf("a plural entry needs \"plural\" and an \"other\" form")
	}
	e.Forms = m
	return nil
}

// texts returns every text of the entry, for collecting placeholders.
func (e entry) texts() []string {
	if e.Forms == nil {
		return []string{e.Text}
	}
	out := make([]string, 0, len(e.Forms))
	for _, t := range e.Forms {
		out = append(out, t)
	}
	return out
}

var placeholder = regexp.MustCompile(`\{([A-Za-z][A-Za-z0-9]*)\}`)

// Placeholders returns the sorted names an entry uses, with the plural
// selector: the arguments its callers must pass.
func (e entry) placeholders() []string {
	set := map[string]bool{}
	if e.Plural != "" {
		set[e.Plural] = true
	}
	for _, t := range e.texts() {
		for _, m := range placeholder.FindAllStringSubmatch(t, -1) {
			set[m[1]] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// catalogues is every language's file, parsed; loaded once at start.
type catalogues struct {
	entries map[language.Tag]map[string]entry
	args    map[string][]string // key → argument names, from English
	cat     *catalog.Builder
}

var cats = mustLoad()

func mustLoad() *catalogues {
	c, err := load()
	if err != nil {
		panic("i18n: " + err.Error()) // the files are embedded: a test catches this
	}
	return c
}

func load() (*catalogues, error) {
	c := &catalogues{entries: map[language.Tag]map[string]entry{}, args: map[string][]string{},
		cat: catalog.NewBuilder(catalog.Fallback(English))}
	for _, t := range supported {
		b, err := files.ReadFile(path.Join("catalogue", t.String()+".json"))
		if err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", t, err)
		}
		var es map[string]entry
		if err := json.Unmarshal(b, &es); err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", t, err)
		}
		c.entries[t] = es
	}
	for k, e := range c.entries[English] {
		c.args[k] = e.placeholders()
	}
	for _, t := range supported {
		for k, e := range c.entries[t] {
			names, ok := c.args[k]
			if !ok {
				continue // not in English: the completeness test reports it
			}
			if err := c.cat.Set(t, k, e.message(names)); err != nil {
				return nil, fmt.Errorf("catalogue %s, %s: %w", t, k, err)
			}
		}
	}
	return c, nil
}

// message turns an entry into x/text's form: printf text with positional
// arguments, or a plural selection of such texts.
func (e entry) message(names []string) catalog.Message {
	if e.Forms == nil {
		return catalog.String(printf(e.Text, names))
	}
	var cases []any
	for _, form := range []string{"zero", "one", "two", "few", "many", "other"} {
		if t, ok := e.Forms[form]; ok {
			cases = append(cases, form, printf(t, names))
		}
	}
	return plural.Selectf(slices.Index(names, e.Plural)+1, "", cases...)
}

// printf escapes % and replaces each {name} with its argument's position.
func printf(text string, names []string) string {
	text = strings.ReplaceAll(text, "%", "%%")
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		i := slices.Index(names, m[1:len(m)-1])
		if i < 0 {
			return m // unknown name: left visible; the completeness test fails on it
		}
		return fmt.Sprintf("%%[%d]v", i+1)
	})
}

// Printer renders catalogue texts in one language.
type Printer struct {
	tag language.Tag
	p   *message.Printer
	// fixed are the texts without placeholders, rendered once: a page
	// asks for dozens, and a catalogue lookup costs microseconds.
	fixed map[string]string
}

var printers = func() map[language.Tag]*Printer {
	m := map[language.Tag]*Printer{}
	for _, t := range supported {
		p := &Printer{tag: t, p: message.NewPrinter(t, message.Catalog(cats.cat)), fixed: map[string]string{}}
		for k, names := range cats.args {
			if len(names) == 0 {
				p.fixed[k] = p.p.Sprintf(k)
			}
		}
		m[t] = p
	}
	return m
}()

// NewPrinter returns the printer of the supported language closest to t,
// English when none is close. Printers are shared and safe for concurrent
// use.
func NewPrinter(t language.Tag) *Printer {
	if p, ok := printers[t]; ok {
		return p
	}
	return printers[Match(t)]
}

// Tag is the printer's language, one of Supported.
func (p *Printer) Tag() language.Tag { return p.tag }

// T renders the text of key with its placeholders filled from name, value
// pairs: T("image.low", "ppi", 96, "min", 150). Integers print with the
// language's grouping; use Num for fractions. A key missing from the
// catalogue renders as itself, which the completeness test prevents.
func (p *Printer) T(key string, pairs ...any) string {
	names := cats.args[key]
	if len(names) == 0 {
		if s, ok := p.fixed[key]; ok {
			return s
		}
		return p.p.Sprintf(key)
	}
	args := make([]any, len(names))
	for i := 0; i+1 < len(pairs); i += 2 {
		if j := slices.Index(names, pairs[i].(string)); j >= 0 {
			args[j] = pairs[i+1]
		}
	}
	return p.p.Sprintf(key, args...)
}

// Num is a number to print with at most digits after the decimal
// separator, in the printer's language: Num(0.25, 2) is "0.25" in English
// and "0,25" in German.
func Num(v float64, digits int) any {
	return number.Decimal(v, number.MaxFractionDigits(digits))
}

// Sprint formats one value as T does its arguments: for numbers in page
// templates.
func (p *Printer) Sprint(v any) string { return p.p.Sprint(v) }

// Keys returns the catalogue's keys that start with prefix, sorted.
func Keys(prefix string) []string {
	var out []string
	for k := range cats.args {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Template renders the text of key with its placeholders left as they are
// written ("Retrying in {s} s…"), for a script to fill in.
func (p *Printer) Template(key string) string {
	names := cats.args[key]
	pairs := make([]any, 0, 2*len(names))
	for _, n := range names {
		pairs = append(pairs, n, "{"+n+"}")
	}
	return p.T(key, pairs...)
}
