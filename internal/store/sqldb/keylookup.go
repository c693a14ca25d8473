package sqldb

import (
	"context"
	"fmt"
	"slices"

	"github.com/atomyx/submit/internal/store"
)

// keyLookups reads the API keys that concurrent APIKeyByLookup calls ask
// for in shared statements, on PostgreSQL (Dialect.SharedLookups).
//
// Every API request reads its key, so that a key revoked on any process
// fails on the very next request, which a cache of keys would not promise.
// On PostgreSQL that read was a round trip and a statement of its own for
// each request, before the request's real work: in bench/jobs, answering
// POST /api/jobs without it (a cache, tried and not kept) doubled one
// process's jobs/s. Shared, one statement reads the keys of every request
// that asked while the statement before it ran, and the requests of one
// ERP, which mostly use one key, share one row.
//
// A lookup is answered only by a statement that began after it was asked
// (the queue hands a statement the lookups waiting when it starts), so it
// sees every revocation committed before its request asked.
type keyLookups struct {
	db *DB
	*shared[*keyLookup]
}

// keyLookup is one APIKeyByLookup waiting for its statement.
type keyLookup struct {
	lookup string
	done   chan keyFound
}

// keyFound is a lookup's outcome.
type keyFound struct {
	key store.APIKey
	err error
}

// maxKeyLookups bounds the lookups one statement answers, and
// keyStatements the statements under way at once. Two: a request then
// waits for at most one statement that began before it, and a slow
// statement does not hold every request of the process.
const (
	maxKeyLookups = 64
	keyStatements = 2
)

func newKeyLookups(db *DB) *keyLookups {
	k := &keyLookups{db: db}
	k.shared = startShared(maxKeyLookups, keyStatements, k.run)
	return k
}

// find queues a lookup and waits for its outcome, or for ctx. A read
// left behind changes nothing: its statement answers the others.
func (k *keyLookups) find(ctx context.Context, lookup string) (store.APIKey, error) {
	l := &keyLookup{lookup: lookup, done: make(chan keyFound, 1)}
	k.queue.Add(l)
	select {
	case f := <-l.done:
		return f.key, f.err
	case <-ctx.Done():
		return store.APIKey{}, ctx.Err()
	case <-k.stopped.Done():
		return store.APIKey{}, errClosed
	}
}

// run answers a batch of lookups with one statement.
func (k *keyLookups) run(batch []*keyLookup) {
	ctx, cancel := context.WithTimeout(k.stopped, batchTimeout)
	defer cancel()
	var lookups []string
	for _, l := range batch {
		if !slices.Contains(lookups, l.lookup) {
			lookups = append(lookups, l.lookup)
		}
	}
	var q params
	keys, err := queryAll(ctx, k.db.r, scanAPIKey,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE lookup IN (`+q.list(lookups)+`)`, q.args...)
	for _, l := range batch {
		var f keyFound
		if err != nil {
			f.err = fmt.Errorf("api key by lookup: %w", err)
		} else if i := slices.IndexFunc(keys, func(key store.APIKey) bool { return key.Lookup == l.lookup }); i >= 0 {
			f.key = keys[i]
		} else {
			f.err = fmt.Errorf("api key by lookup: %w", store.ErrNotFound)
		}
		l.done <- f
	}
}
