// Package id makes the identifiers and secret tokens that Submit hands out.
//
// Identifiers look like Stripe's: a short type prefix, an underscore and a
// random part ("ses_01jd7k…"). The random part starts with the creation time in
// milliseconds, so identifiers of one kind sort in creation order; cursor
// pagination relies on that and needs no separate sort column.
package id

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"
)

// Prefixes of the identifiers Submit uses. They are part of the API: an
// integrator may switch on them, so they never change.
const (
	Tenant         = "ten"
	APIKey         = "key"
	Secret         = "whs"
	Job            = "ses" // the seeds call a job a "session"
	Event          = "evt"
	ArtworkVersion = "av"
	Delivery       = "del"
	Attempt        = "att"
	User           = "usr"
)

// crockford is lower-case Crockford base32: no i, l, o or u, so identifiers
// read aloud or copied by hand survive.
var crockford = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// New returns prefix_ followed by 26 characters: 48 bits of milliseconds since
// the Unix epoch and 80 random bits.
func New(prefix string) string {
	return NewAt(prefix, time.Now())
}

// NewAt is New with the time given, for callers that already hold the
// creation time and want the identifier to agree with it.
func NewAt(prefix string, t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("id: crypto/rand failed: " + err.Error()) // never happens on Linux
	}
	return prefix + "_" + crockford.EncodeToString(b[:])
}

// HasPrefix reports whether s is an identifier of the given kind. It only
// looks at the form, so that handlers can answer 404 without a query.
func HasPrefix(s, prefix string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	return ok && len(rest) == 26 && isCrockford(rest)
}

func isCrockford(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' && c != 'i' && c != 'l' && c != 'o' && c != 'u') {
			return false
		}
	}
	return true
}

// Token returns n random bytes as unpadded base64url, for capability links
// (upload pages, file downloads). Use at least 16 bytes (128 bits).
func Token(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("id: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
