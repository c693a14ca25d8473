package manage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/store"
)

// UserParams describes a new operator.
type UserParams struct {
	TenantID string
	Email    string
	Role     string
	Password string
	Now      time.Time
}

// CreateUser checks and stores a new operator with a hashed password. It is
// shared by the users page and `submit user create`. The error reads as a
// sentence an operator can act on; store.ErrConflict when the email is
// taken.
func CreateUser(ctx context.Context, ops store.OperatorStore, p UserParams) (store.User, error) {
	email := strings.TrimSpace(p.Email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return store.User{}, fmt.Errorf("%q is not an email address like ann@example.com", email)
	}
	if p.Role != store.RoleAdmin && p.Role != store.RoleOperator {
		return store.User{}, fmt.Errorf("the role must be %s or %s, not %q", store.RoleAdmin, store.RoleOperator, p.Role)
	}
	if err := CheckPassword(p.Password); err != nil {
		return store.User{}, err
	}
	hash, err := HashPassword(p.Password)
	if err != nil {
		return store.User{}, err
	}
	now := p.Now.UTC().Truncate(time.Microsecond)
	u := store.User{ID: id.NewAt(id.User, now), TenantID: p.TenantID, Email: email, PasswordHash: hash,
		Role: p.Role, CreatedAt: now}
	if err := ops.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return u, fmt.Errorf("%s already has an account (emails are unique across tenants): %w", email, err)
		}
		return u, err
	}
	return u, nil
}

func (m *Manage) usersPage(w http.ResponseWriter, r *http.Request, c *call) error {
	return m.renderUsers(w, r, c, http.StatusOK, "", "")
}

func (m *Manage) renderUsers(w http.ResponseWriter, r *http.Request, c *call, status int, email, problem string) error {
	us, err := m.ops.ListUsers(r.Context(), c.user.TenantID)
	if err != nil {
		return err
	}
	return m.render(w, r, c, status, "users", map[string]any{
		"Title": "Operators", "Users": us, "Email": email, "Problem": problem,
	})
}

func (m *Manage) createUser(w http.ResponseWriter, r *http.Request, c *call) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	u, err := CreateUser(r.Context(), m.ops, UserParams{TenantID: c.user.TenantID, Email: email,
		Role: r.PostFormValue("role"), Password: r.PostFormValue("password"), Now: m.d.Now()})
	if err != nil && u.ID == "" || errors.Is(err, store.ErrConflict) {
		return m.renderUsers(w, r, c, http.StatusUnprocessableEntity, email, sentence(err.Error()))
	}
	if err != nil {
		return err
	}
	m.audit(r.Context(), c, "user.create", u.ID, u.Email+" as "+u.Role)
	return redirect(w, r, withDone("/manage/users", "user"))
}

// sentence capitalises a message and ends it with a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
