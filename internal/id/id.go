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
	"sync"
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
//
// Within one process identifiers are strictly increasing: one made in the
// same millisecond as the previous one (or with an earlier time) continues
// from it, so that "newest first" lists are exact even under load.
func NewAt(prefix string, t time.Time) string {
	var r [10]byte // 80 random bits: hi is the top 16, lo the other 64
	if _, err := rand.Read(r[:]); err != nil {
		panic("id: crypto/rand failed: " + err.Error()) // never happens on Linux
	}
	ms, hi, lo := uint64(t.UnixMilli()), binary.BigEndian.Uint16(r[:2]), binary.BigEndian.Uint64(r[2:])
	last.Lock()
	if ms <= last.ms {
		// Continue from the previous identifier with a random step of up
		// to 2^32, so the low bits stay unpredictable.
		step := lo>>32 + 1
		ms, hi, lo = last.ms, last.hi, last.lo+step
		if lo < step {
			hi++
		}
	}
	last.ms, last.hi, last.lo = ms, hi, lo
	last.Unlock()
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], ms<<16|uint64(hi))
	binary.BigEndian.PutUint64(b[8:], lo)
	return prefix + "_" + crockford.EncodeToString(b[:])
}

// last is the previous identifier's time and random part.
var last struct {
	sync.Mutex
	ms uint64
	hi uint16
	lo uint64
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
