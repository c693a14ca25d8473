package manage

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/atomyx/submit/internal/apikey"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/vault"
)

// keyView is an API key as Vault lists it: never the key itself.
type keyView struct {
	Key     store.APIKey
	Display string
}

// secretView is a signing secret still valid; only the active one is shown
// in full.
type secretView struct {
	Secret store.SigningSecret
	Masked string
}

func (m *Manage) vaultPage(w http.ResponseWriter, r *http.Request, c *call) error {
	data, err := m.vaultData(r, c)
	if err != nil {
		return err
	}
	return m.render(w, r, c, http.StatusOK, "vault", data)
}

// vaultData is what the Vault page shows.
func (m *Manage) vaultData(r *http.Request, c *call) (map[string]any, error) {
	ctx, tenant := r.Context(), c.user.TenantID
	keys, err := m.st.ListAPIKeys(ctx, tenant)
	if err != nil {
		return nil, err
	}
	kv := make([]keyView, len(keys))
	for i, k := range keys {
		kv[i] = keyView{Key: k, Display: apikey.Display(k.Livemode, k.Lookup)}
	}
	active, err := m.d.Vault.ActiveSecret(ctx, tenant)
	if err != nil {
		return nil, err
	}
	ss, err := m.st.ListSigningSecrets(ctx, tenant, m.now())
	if err != nil {
		return nil, err
	}
	var previous []secretView
	for _, s := range ss {
		if s.Secret != active {
			previous = append(previous, secretView{Secret: s, Masked: s.Secret[:min(len(s.Secret), 12)] + "…"})
		}
	}
	return map[string]any{
		"Title": "Vault", "Keys": kv, "Scopes": apikey.AllScopes, "Active": active, "Previous": previous,
		"Overlap": overlap(),
	}, nil
}

func (m *Manage) createKey(w http.ResponseWriter, r *http.Request, c *call) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	live := r.PostFormValue("mode") != "test"
	var scopes []string
	for _, s := range r.PostForm["scope"] {
		if !slices.Contains(apikey.AllScopes, s) {
			return m.keyProblem(w, r, c, fmt.Sprintf("There is no scope %q.", s))
		}
		scopes = append(scopes, s)
	}
	if len(scopes) == 0 {
		return m.keyProblem(w, r, c, "Choose at least one scope: a key without scopes could do nothing.")
	}
	k, secret, err := m.d.Vault.CreateKey(r.Context(), vault.KeyParams{TenantID: c.user.TenantID, Name: name, Livemode: live, Scopes: scopes})
	if errors.Is(err, vault.ErrKeyName) {
		return m.keyProblem(w, r, c, err.Error())
	}
	if err != nil {
		return err
	}
	mode := "live"
	if !live {
		mode = "test"
	}
	m.audit(r.Context(), c, "key.create", k.ID, fmt.Sprintf("%q, %s, %s", name, mode, strings.Join(scopes, " ")))
	data, err := m.vaultData(r, c)
	if err != nil {
		return err
	}
	// The only time the key is ever shown: the response is not cached and
	// nothing but its hash is kept.
	data["NewKey"], data["NewKeyName"] = secret, name
	return m.render(w, r, c, http.StatusCreated, "vault", data)
}

func (m *Manage) keyProblem(w http.ResponseWriter, r *http.Request, c *call, problem string) error {
	data, err := m.vaultData(r, c)
	if err != nil {
		return err
	}
	data["KeyProblem"] = problem
	return m.render(w, r, c, http.StatusUnprocessableEntity, "vault", data)
}

func (m *Manage) revokeKey(w http.ResponseWriter, r *http.Request, c *call) error {
	k, err := m.d.Vault.RevokeKey(r.Context(), c.user.TenantID, r.PathValue("id"))
	if err != nil {
		return err
	}
	m.audit(r.Context(), c, "key.revoke", k.ID, apikey.Display(k.Livemode, k.Lookup))
	return redirect(w, r, withDone("/manage/vault", "revoked"))
}

func (m *Manage) rotateSecret(w http.ResponseWriter, r *http.Request, c *call) error {
	if _, err := m.d.Vault.RotateSecret(r.Context(), c.user.TenantID); err != nil {
		return err
	}
	// Never the secret in the log: who rotated and when is what matters.
	m.audit(r.Context(), c, "secret.rotate", "signing secret", "previous secrets keep signing for "+overlap())
	return redirect(w, r, withDone("/manage/vault", "rotated"))
}

// overlap is vault.RotationOverlap in words.
func overlap() string { return fmt.Sprintf("%d hours", int(vault.RotationOverlap.Hours())) }
