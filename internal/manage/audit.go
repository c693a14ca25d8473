package manage

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/atomyx/submit/internal/store"
)

// audit records an action of the signed-in operator. The action has
// happened already, so a failure to record it is logged, not shown.
func (m *Manage) audit(ctx context.Context, c *call, action, target, detail string) {
	e := store.AuditEntry{TenantID: c.user.TenantID, Actor: c.user.ID,
		ActorEmail: c.user.Email, Action: action, Target: target, Detail: detail}
	if err := m.accounts.Audit(context.WithoutCancel(ctx), e); err != nil {
		m.log.ErrorContext(ctx, "manage: audit entry lost", slog.String("action", action),
			slog.String("target", target), slog.Any("error", err))
	}
}

// auditPerPage is how many entries one page of the audit log shows.
const auditPerPage = 200

func (m *Manage) auditPage(w http.ResponseWriter, r *http.Request, c *call) error {
	before := r.URL.Query().Get("before")
	es, err := m.st.ListAudit(r.Context(), store.ListAuditParams{TenantID: c.user.TenantID, Before: before, Limit: auditPerPage})
	if err != nil {
		return err
	}
	next := ""
	if len(es) == auditPerPage {
		next = "/manage/audit?" + url.Values{"before": {es[len(es)-1].ID}}.Encode()
	}
	return m.render(w, r, c, http.StatusOK, "audit", map[string]any{
		"Title": "Audit log", "Entries": es, "Next": next, "Paged": before != "",
	})
}
