package manage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/atomyx/submit/internal/operator"
	"github.com/atomyx/submit/internal/store"
)

func (m *Manage) usersPage(w http.ResponseWriter, r *http.Request, c *call) error {
	return m.renderUsers(w, r, c, http.StatusOK, "", "")
}

func (m *Manage) renderUsers(w http.ResponseWriter, r *http.Request, c *call, status int, email, problem string) error {
	us, err := m.st.ListUsers(r.Context(), c.user.TenantID)
	if err != nil {
		return err
	}
	return m.render(w, r, c, status, "users", map[string]any{
		"Title": "Operators", "Users": us, "Email": email, "Problem": problem,
	})
}

func (m *Manage) createUser(w http.ResponseWriter, r *http.Request, c *call) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	u, err := m.accounts.Create(r.Context(), operator.NewParams{TenantID: c.user.TenantID, Email: email,
		Role: r.PostFormValue("role"), Password: r.PostFormValue("password")})
	if errors.Is(err, operator.ErrRefused) {
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

// disableUser locks an operator out: they are signed out everywhere and
// cannot sign in until an admin enables them. Admins cannot disable
// themselves, so an enabled admin is always left to undo it.
func (m *Manage) disableUser(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx, tenant := r.Context(), c.user.TenantID
	u, err := m.tenantUser(ctx, tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	if u.ID == c.user.ID {
		m.errorPage(w, r, c, http.StatusConflict, "You cannot disable yourself",
			"Ask another administrator to do it, so that your account always has one who can sign in.")
		return nil
	}
	if err := m.accounts.Disable(ctx, tenant, u.ID); err != nil {
		return err
	}
	m.audit(ctx, c, "user.disable", u.ID, u.Email)
	return redirect(w, r, withDone("/manage/users", "disabled"))
}

// enableUser lets a disabled operator sign in again.
func (m *Manage) enableUser(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx, tenant := r.Context(), c.user.TenantID
	u, err := m.tenantUser(ctx, tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := m.accounts.Enable(ctx, tenant, u.ID); err != nil {
		return err
	}
	m.audit(ctx, c, "user.enable", u.ID, u.Email)
	return redirect(w, r, withDone("/manage/users", "enabled"))
}

// tenantUser returns one of the tenant's operators; store.ErrNotFound
// (a 404 page) for anyone else's.
func (m *Manage) tenantUser(ctx context.Context, tenantID, userID string) (store.User, error) {
	u, err := m.st.User(ctx, userID)
	if err == nil && u.TenantID != tenantID {
		err = fmt.Errorf("user %s: %w", userID, store.ErrNotFound)
	}
	return u, err
}

func (m *Manage) accountPage(w http.ResponseWriter, r *http.Request, c *call) error {
	return m.renderAccount(w, r, c, http.StatusOK, "")
}

func (m *Manage) renderAccount(w http.ResponseWriter, r *http.Request, c *call, status int, problem string) error {
	return m.render(w, r, c, status, "account", map[string]any{"Title": "Your account", "Problem": problem})
}

// changePassword replaces the operator's own password. The current one is
// asked for, so that a browser left signed in cannot be used to take the
// account over; the operator's other sessions end.
func (m *Manage) changePassword(w http.ResponseWriter, r *http.Request, c *call) error {
	current, next := r.PostFormValue("current"), r.PostFormValue("password")
	if !operator.VerifyPassword(c.user.PasswordHash, current) {
		return m.renderAccount(w, r, c, http.StatusUnprocessableEntity, "Your current password is not right.")
	}
	if next != r.PostFormValue("confirm") {
		return m.renderAccount(w, r, c, http.StatusUnprocessableEntity, "The new password and its repetition differ. Type them again.")
	}
	if next == current {
		return m.renderAccount(w, r, c, http.StatusUnprocessableEntity, "The new password is the same as the current one.")
	}
	err := m.accounts.SetPassword(r.Context(), operator.PasswordParams{TenantID: c.user.TenantID, UserID: c.user.ID,
		Password: next, Keep: c.session.TokenHash})
	if errors.Is(err, operator.ErrRefused) {
		return m.renderAccount(w, r, c, http.StatusUnprocessableEntity, sentence(err.Error()))
	}
	if err != nil {
		return err
	}
	m.audit(r.Context(), c, "user.password", c.user.ID, c.user.Email)
	return redirect(w, r, withDone("/manage/account", "password"))
}
