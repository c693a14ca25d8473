// Package i18n holds the languages Submit speaks to customers: which ones,
// how a request or a job picks one, and the message catalogues every
// customer-facing sentence comes from. It is a leaf: preflight, the API,
// callbacks and the customer page all read from it.
package i18n

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/text/language"
)

// English is the language of a job without a locale, and the catalogue
// every other one must match key for key.
var English = language.English

// supported lists the languages with a catalogue, English first so that a
// matcher with no better choice falls back to it. Norwegian is Bokmål
// (nb); the matcher takes "no" and "nn" to it.
var supported = []language.Tag{
	language.English, language.German, language.French, language.Spanish,
	language.Italian, language.Dutch, language.Danish, language.Swedish,
	language.MustParse("nb"), language.Finnish, language.Polish,
}

var matcher = language.NewMatcher(supported)

// Supported returns the languages with a catalogue, English first.
func Supported() []language.Tag { return append([]language.Tag(nil), supported...) }

// SupportedList is the supported languages as a comma-separated list of
// tags, for error messages that tell a caller what to send.
func SupportedList() string {
	s := make([]string, len(supported))
	for i, t := range supported {
		s[i] = t.String()
	}
	return strings.Join(s, ", ")
}

// Parse validates a job's locale: well-formed BCP 47 whose language has a
// catalogue ("de", "de-AT", "fr-CA", "no" are; "ja" and "de_DE" are not).
// It returns the tag in canonical form, which is what a job stores: the
// caller's region is kept, and Match picks the catalogue.
func Parse(s string) (language.Tag, error) {
	t, err := language.Parse(s)
	if err != nil {
		return language.Und, fmt.Errorf("%q is not a BCP 47 language tag; use one of %s", s, SupportedList())
	}
	if _, conf := matchTag(t); conf < language.High {
		return language.Und, fmt.Errorf("%q is not a language we have: use one of %s", s, SupportedList())
	}
	return t, nil
}

// Match returns the supported language to speak for a tag: its own, or
// English when there is none close enough.
func Match(t language.Tag) language.Tag {
	m, conf := matchTag(t)
	if conf < language.High {
		return English
	}
	return m
}

// matchTag returns the supported tag itself (not the matcher's tag with
// the request's region folded into -u-rg), so that callers can compare it
// and index catalogues by it.
func matchTag(t language.Tag) (language.Tag, language.Confidence) {
	_, i, conf := matcher.Match(t)
	return supported[i], conf
}

// Preference is what is known about the language of a page, strongest
// first. Each field is a BCP 47 tag or empty; unparsable or unsupported
// tags are passed over, not errors, because cookies and tenant settings
// outlive the languages we have.
type Preference struct {
	Chosen         string // what the customer picked on the page
	Job            string // the job's locale, from the API
	AcceptLanguage string // the browser's Accept-Language header
	Tenant         string // the tenant's default locale
}

// Tag returns the supported language to speak: the customer's choice,
// else the job's locale, else the browser's, else the tenant's, else
// English.
func (p Preference) Tag() language.Tag {
	if t, ok := p.Find(); ok {
		return t
	}
	return English
}

// Find returns the first supported language of the preference, in Tag's
// order, and false when none is set or supported: a caller can then look
// up the tenant's default only when it is needed.
func (p Preference) Find() (language.Tag, bool) {
	for _, c := range []string{p.Chosen, p.Job} {
		if t, ok := parseSupported(c); ok {
			return t, true
		}
	}
	if t, ok := FromAcceptLanguage(p.AcceptLanguage); ok {
		return t, true
	}
	return parseSupported(p.Tenant)
}

func parseSupported(s string) (language.Tag, bool) {
	if s == "" {
		return language.Und, false
	}
	t, err := language.Parse(s)
	if err != nil {
		return language.Und, false
	}
	m, conf := matchTag(t)
	return m, conf >= language.High
}

// FromAcceptLanguage returns the supported language a browser prefers,
// honouring q-values, and false when it names none of them. Answers are
// remembered by header: browsers send a handful of distinct ones, and
// parsing one costs more than the rest of choosing a page's language.
func FromAcceptLanguage(h string) (language.Tag, bool) {
	if h == "" {
		return language.Und, false
	}
	if a, ok := accepted.Load(h); ok {
		m := a.(acceptMatch)
		return m.tag, m.ok
	}
	t, ok := fromAcceptLanguage(h)
	if len(h) <= 256 && acceptedN.Add(1) <= maxAccepted {
		accepted.Store(h, acceptMatch{t, ok})
	}
	return t, ok
}

// accepted remembers up to maxAccepted headers, the first seen: enough
// for every browser language in use, bounded against headers made up to
// fill memory.
var (
	accepted  sync.Map // string → acceptMatch
	acceptedN atomic.Int64
)

const maxAccepted = 4096

type acceptMatch struct {
	tag language.Tag
	ok  bool
}

func fromAcceptLanguage(h string) (language.Tag, bool) {
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil || len(tags) == 0 {
		return language.Und, false
	}
	_, i, conf := matcher.Match(tags...)
	if conf < language.High {
		return language.Und, false
	}
	return supported[i], true
}

// Locale returns the language to speak for a stored locale: its supported
// language, English when it is empty or names none we have.
func Locale(s string) language.Tag {
	if t, ok := parseSupported(s); ok {
		return t
	}
	return English
}

// Name is a supported language's name in itself, capitalised for a list
// ("Deutsch", "Suomi"): what a speaker looks for in a language menu.
func Name(t language.Tag) string {
	if n, ok := endonyms[t]; ok {
		return n
	}
	if n, ok := endonyms[Match(t)]; ok {
		return n
	}
	return t.String()
}

var endonyms = map[language.Tag]string{
	language.English: "English", language.German: "Deutsch", language.French: "Français",
	language.Spanish: "Español", language.Italian: "Italiano", language.Dutch: "Nederlands",
	language.Danish: "Dansk", language.Swedish: "Svenska", language.MustParse("nb"): "Norsk bokmål",
	language.Finnish: "Suomi", language.Polish: "Polski",
}
