package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

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
	// done remembers texts with values, by key and values: x/text takes
	// 3 to 10 µs to render one, and the same page, finding or size is
	// asked for again and again (a customer page reloads and polls; a
	// job's findings reach its page, the API and its callbacks).
	done Memo
}

// memoLimit bounds a Memo. When it is full the memo starts again empty:
// simpler than evicting, and a burst of new values costs one miss each,
// as without a memo.
const memoLimit = 4096

// Memo remembers rendered texts by a key that says everything they were
// made from, for the printers and for callers that build a message from
// several texts (preflight's findings). Safe for concurrent use; the zero
// value is empty and ready.
type Memo struct {
	mu sync.RWMutex
	m  map[string]string
}

// Get returns the text remembered for k.
func (m *Memo) Get(k string) (string, bool) {
	m.mu.RLock()
	s, ok := m.m[k]
	m.mu.RUnlock()
	return s, ok
}

// Put remembers s for k.
func (m *Memo) Put(k, s string) {
	m.mu.Lock()
	if m.m == nil || len(m.m) >= memoLimit {
		m.m = make(map[string]string, 64)
	}
	m.m[k] = s
	m.mu.Unlock()
}

// memoKey writes key and values into one string that no other key and
// values write (strings are length-prefixed), or reports false for a
// value of a type it does not know, which is then rendered every time.
func memoKey(key string, args []any) (string, bool) {
	b := make([]byte, 0, len(key)+16*len(args))
	b = append(b, key...)
	for _, a := range args {
		switch v := a.(type) {
		case nil:
			b = append(b, 0, '-')
		case string:
			b = append(b, 0, 's')
			b = strconv.AppendInt(b, int64(len(v)), 10)
			b = append(b, ':')
			b = append(b, v...)
		case int:
			b = append(b, 0, 'i')
			b = strconv.AppendInt(b, int64(v), 10)
		case int64:
			b = append(b, 0, 'i')
			b = strconv.AppendInt(b, v, 10)
		case float64:
			b = append(b, 0, 'f')
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		case Number:
			b = append(b, 0, 'n')
			b = strconv.AppendFloat(b, v.V, 'g', -1, 64)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(v.Digits), 10)
		default:
			return "", false
		}
	}
	return string(b), true
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
	k, ok := memoKey(key, args)
	if ok {
		if s, ok := p.done.Get(k); ok {
			return s
		}
	}
	for i, a := range args {
		args[i] = formatter(a)
	}
	s := p.p.Sprintf(key, args...)
	if ok {
		p.done.Put(k, s)
	}
	return s
}

// Number is a number to print with at most Digits after the decimal
// separator, in the printer's language.
type Number struct {
	V      float64
	Digits int
}

// Num is a number to print with at most digits after the decimal
// separator, in the printer's language: Num(0.25, 2) is "0.25" in English
// and "0,25" in German.
func Num(v float64, digits int) Number { return Number{V: v, Digits: digits} }

// formatter hands a Number to x/text as its decimal formatter.
func formatter(v any) any {
	if n, ok := v.(Number); ok {
		return number.Decimal(n.V, number.MaxFractionDigits(n.Digits))
	}
	return v
}

// Sprint formats one value as T does its arguments: for numbers in page
// templates.
func (p *Printer) Sprint(v any) string { return p.p.Sprint(formatter(v)) }

// Bytes writes a size in binary units, as workflow.FormatBytes does in
// English: whole GiB when exact, else MiB, KiB or bytes.
func (p *Printer) Bytes(n int64) string {
	const unit = 1024
	switch {
	case n >= unit*unit*unit && n%(unit*unit*unit) == 0:
		return p.T("size.gib", "n", n/(unit*unit*unit))
	case n >= unit*unit:
		return p.T("size.mib", "n", Num(float64(n)/(unit*unit), 0))
	case n >= unit:
		return p.T("size.kib", "n", Num(float64(n)/unit, 0))
	}
	return p.T("size.bytes", "n", n)
}

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
