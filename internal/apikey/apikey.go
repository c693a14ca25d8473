// Package apikey makes and checks API keys.
//
// A key reads sk_live_ or sk_test_ followed by 44 base62 characters. The first
// 12 of those are its lookup: stored in clear, they find the key's row. Only
// a SHA-256 hash of the whole key is stored, and the hash of a presented key
// is compared with it in constant time. A key has 262 bits of randomness, so
// a fast hash is enough; a slow one would only slow every request.
package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// Scopes a key may have. New keys get all of them unless told otherwise.
const (
	ScopeJobsRead       = "jobs:read"
	ScopeJobsWrite      = "jobs:write"
	ScopeCallbacksRead  = "callbacks:read"
	ScopeCallbacksWrite = "callbacks:write"
)

// AllScopes lists every scope, in the order they are shown.
var AllScopes = []string{ScopeJobsRead, ScopeJobsWrite, ScopeCallbacksRead, ScopeCallbacksWrite}

const (
	alphabet  = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	bodyLen   = 44
	lookupLen = 12
)

// Prefix is what every key of a mode starts with.
func Prefix(livemode bool) string {
	if livemode {
		return "sk_live_"
	}
	return "sk_test_"
}

// Generate returns a new key, its lookup and its hash.
func Generate(livemode bool) (key, lookup string, hash []byte) {
	var b strings.Builder
	b.WriteString(Prefix(livemode))
	letters := big.NewInt(int64(len(alphabet)))
	for range bodyLen {
		n, err := rand.Int(rand.Reader, letters)
		if err != nil {
			panic("apikey: crypto/rand failed: " + err.Error())
		}
		b.WriteByte(alphabet[n.Int64()])
	}
	key = b.String()
	p, _ := Parse(key)
	return key, p.Lookup, Hash(key)
}

// Parsed is what the form of a key tells before any database look-up.
type Parsed struct {
	Livemode bool
	Lookup   string
}

// ErrMalformed is returned by Parse for a string that cannot be a key.
var ErrMalformed = errors.New("malformed API key")

// Parse checks the form of a key and returns its mode and lookup.
func Parse(key string) (Parsed, error) {
	var p Parsed
	var body string
	switch {
	case strings.HasPrefix(key, "sk_live_"):
		p.Livemode, body = true, key[len("sk_live_"):]
	case strings.HasPrefix(key, "sk_test_"):
		body = key[len("sk_test_"):]
	default:
		return p, fmt.Errorf("%w: Submit keys start with sk_live_ or sk_test_", ErrMalformed)
	}
	if len(body) != bodyLen {
		return p, fmt.Errorf("%w: the key is %d characters long, a Submit key has %d; was it cut off when copied?",
			ErrMalformed, len(key), len("sk_live_")+bodyLen)
	}
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(alphabet, body[i]) < 0 {
			return p, fmt.Errorf("%w: character %d (%q) cannot appear in a key", ErrMalformed, len("sk_live_")+i+1, body[i])
		}
	}
	p.Lookup = body[:lookupLen]
	return p, nil
}

// Hash is the stored form of a key.
func Hash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// Matches reports, in constant time, whether key hashes to stored.
func Matches(key string, stored []byte) bool {
	return subtle.ConstantTimeCompare(Hash(key), stored) == 1
}

// Display is how a key is shown after it was created: its prefix and
// lookup, enough to recognise it, useless to use it.
func Display(livemode bool, lookup string) string {
	return Prefix(livemode) + lookup + "…"
}

// ParseScopes turns "jobs:read,jobs:write" into a list, refusing unknown
// scopes. An empty string means every scope.
func ParseScopes(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return slices.Clone(AllScopes), nil
	}
	var out []string
	for _, sc := range strings.Split(s, ",") {
		sc = strings.TrimSpace(sc)
		if !slices.Contains(AllScopes, sc) {
			return nil, fmt.Errorf("unknown scope %q: the scopes are %s", sc, strings.Join(AllScopes, ", "))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}
