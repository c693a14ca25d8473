package api

import "github.com/atomyx/submit/internal/job"

// creatorResponse is the job's createdBy: who made it, small enough to
// show in a list. Type says what id and name are of ("api_key": a key's
// id and its name in Manage → Vault).
type creatorResponse struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

// newCreatorResponse is nil for a job from before creators were recorded.
func newCreatorResponse(c job.Creator) *creatorResponse {
	if !c.Known() {
		return nil
	}
	return &creatorResponse{Type: c.Type, ID: c.ID, Name: c.Name}
}

// creator is the key that sent the request, as the creator of what it
// makes.
func (c Caller) creator() job.Creator {
	return job.Creator{Type: job.ActorAPIKey, ID: c.KeyID, Name: c.KeyName}
}
