package job

// Creator is who created a job, as the API and Manage show it. The zero
// Creator means unknown: jobs created before Submit recorded it.
type Creator struct {
	// Type is an actor kind, as events name who decided: only the API
	// creates jobs today (ActorAPIKey); Manage or the CLI would bring
	// their own kind, so that a job's origin is never guessed from which
	// fields are empty.
	Type string
	// ID is the creator's id: the key's id ("key_…"), never the key.
	ID string
	// Name is the creator's name when the job was created: an API key's
	// name is copied, not joined, so that every read of a job (the
	// pipeline's claims, list pages) stays one query on one table, and so
	// that the job keeps naming the key as it was called when it acted, as
	// the audit log keeps an operator's email.
	Name string
}

// Known reports whether the creator was recorded.
func (c Creator) Known() bool { return c.Type != "" }
