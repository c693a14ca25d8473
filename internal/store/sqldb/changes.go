package sqldb

import "sync"

// changes fans the ids of changed jobs out to this process's subscribers
// (the customer pages' live status), so that a page hears of a change
// when it happens instead of at its next poll. On SQLite, the only
// process that can write the database publishes what it commits; on
// PostgreSQL every write sends NOTIFY in its transaction (delivered at
// commit) and each process's listener (store/postgres) publishes what it
// hears, its own writes included, so a change made by any process reaches
// the pages of all.
type changes struct {
	mu   sync.Mutex
	next int
	subs map[int]func(jobID string)
}

// SubscribeJobChanges calls fn with the id of each job whose status or
// page changes from now on, until cancel is called. fn runs on the
// writer's or the listener's goroutine: it must return at once. A change
// can be missed (a listener reconnecting), so subscribers still poll now
// and then.
func (db *DB) SubscribeJobChanges(fn func(jobID string)) (cancel func()) {
	c := &db.changes
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.subs == nil {
		c.subs = map[int]func(string){}
	}
	id := c.next
	c.next++
	c.subs[id] = fn
	return func() {
		c.mu.Lock()
		delete(c.subs, id)
		c.mu.Unlock()
	}
}

// PublishJobChange hands a changed job's id to the subscribers; the
// PostgreSQL listener calls it with each notification.
func (db *DB) PublishJobChange(jobID string) {
	c := &db.changes
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, fn := range c.subs {
		fn(jobID)
	}
}

// changedAfterCommit publishes a committed change of what a job's page
// shows, in this process, on a database that does not announce changes
// itself: SQLite. PostgreSQL's trigger (migration 0014) does, and its
// listener publishes.
func (db *DB) changedAfterCommit(jobID string) {
	if !db.d.AnnouncesChanges {
		db.PublishJobChange(jobID)
	}
}
