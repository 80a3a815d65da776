package workspace

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Environment variables the workspace reads.
const (
	EnvBackendURL      = "PULUMI_BACKEND_URL"
	EnvSecretsProvider = "PULUMI_SECRETS_PROVIDER"
	EnvPassphrase      = "PULUMI_CONFIG_PASSPHRASE"
	EnvPassphraseFile  = "PULUMI_CONFIG_PASSPHRASE_FILE"
)

// StateDir is the folder, relative to the repository root, of the default
// local state backend. It is git-ignored.
const StateDir = ".pulumi-state"

// Kind is the kind of state backend.
type Kind string

// The kinds of state backend.
const (
	// Local is a file:// backend, by default <root>/.pulumi-state.
	Local Kind = "local"
	// S3 is an s3:// bucket.
	S3 Kind = "s3"
	// Cloud is Pulumi Cloud (https://api.pulumi.com) or a self-hosted
	// Pulumi service.
	Cloud Kind = "cloud"
	// SelfManaged is any other self-managed backend the CLI supports
	// (azblob://, gs://, postgres://).
	SelfManaged Kind = "self-managed"
)

// Lookup reads an environment variable; os.LookupEnv in production.
type Lookup func(key string) (string, bool)

// Settings say where state lives and how secrets in it are encrypted.
type Settings struct {
	// Root is the repository root.
	Root string
	// BackendURL is the state backend, from PULUMI_BACKEND_URL or the
	// local default.
	BackendURL string
	// Kind of the backend.
	Kind Kind
	// SecretsProvider from PULUMI_SECRETS_PROVIDER: "" for the backend's
	// default (passphrase on self-managed backends, the service on Pulumi
	// Cloud), "passphrase", or a KMS URL such as awskms://alias/pulumi-state.
	SecretsProvider string

	lookup Lookup
}

var secretsSchemes = []string{"awskms", "azurekeyvault", "gcpkms", "hashivault"}

// FromEnv reads the backend and secrets provider settings. Without
// PULUMI_BACKEND_URL the state goes to file://<root>/.pulumi-state, which is
// created if missing.
func FromEnv(root string, lookup Lookup) (Settings, error) {
	s := Settings{Root: root, lookup: lookup}

	backend := BackendURL(root, "", lookup)
	if backend == DefaultBackendURL(root) {
		dir := filepath.Join(root, StateDir)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return Settings{}, fmt.Errorf("create the local state backend %s: %w", dir, err)
		}
	}
	kind, err := backendKind(backend)
	if err != nil {
		return Settings{}, err
	}
	s.BackendURL, s.Kind = backend, kind

	sp, _ := lookup(EnvSecretsProvider)
	sp = strings.TrimSpace(sp)
	if err := validateSecretsProvider(sp); err != nil {
		return Settings{}, err
	}
	if sp == "default" {
		sp = ""
	}
	s.SecretsProvider = sp
	return s, nil
}

// BackendURL is the state backend every tool of the platform uses, the one
// resolution of it. The order is: explicit (a tool's --backend flag), else
// $PULUMI_BACKEND_URL, else the local default file://<root>/.pulumi-state
// (DefaultBackendURL). Surrounding spaces are dropped, and a value of only
// spaces counts as unset.
func BackendURL(root, explicit string, lookup Lookup) string {
	if v := strings.TrimSpace(explicit); v != "" {
		return v
	}
	if v, _ := lookup(EnvBackendURL); strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return DefaultBackendURL(root)
}

// DefaultBackendURL is the backend without PULUMI_BACKEND_URL: a local file
// backend in the repository, <root>/.pulumi-state (git-ignored).
func DefaultBackendURL(root string) string {
	return "file://" + filepath.ToSlash(filepath.Join(root, StateDir))
}

func backendKind(raw string) (Kind, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("%s=%q is not a backend URL (want file://<dir>, s3://<bucket>[/<prefix>], or https://api.pulumi.com)", EnvBackendURL, raw)
	}
	switch u.Scheme {
	case "file":
		return Local, nil
	case "s3":
		return S3, nil
	case "https", "http":
		return Cloud, nil
	case "azblob", "gs", "postgres":
		return SelfManaged, nil
	default:
		return "", fmt.Errorf("%s=%q: unknown scheme %q (allowed: file, s3, https, http, azblob, gs, postgres)", EnvBackendURL, raw, u.Scheme)
	}
}

func validateSecretsProvider(sp string) error {
	if sp == "" || sp == "default" || sp == "passphrase" {
		return nil
	}
	scheme, rest, ok := strings.Cut(sp, "://")
	if ok && rest != "" {
		for _, s := range secretsSchemes {
			if scheme == s {
				return nil
			}
		}
	}
	return fmt.Errorf("%s=%q is not a secrets provider (allowed: passphrase, default, or a URL awskms://<key>, azurekeyvault://<vault>, gcpkms://<key>, hashivault://<key>)", EnvSecretsProvider, sp)
}

// UsesPassphrase reports whether the stacks' secrets are encrypted with the
// passphrase provider: chosen explicitly, or the default of a self-managed
// backend (local, S3 and the others). Pulumi Cloud's default is its own
// service; a KMS provider needs no passphrase.
func (s Settings) UsesPassphrase() bool {
	if s.SecretsProvider == "passphrase" {
		return true
	}
	return s.SecretsProvider == "" && s.Kind != Cloud
}

// CheckPassphrase applies the passphrase rule to a run whose strictest stack
// has the given tier. With the passphrase provider, PULUMI_CONFIG_PASSPHRASE
// or PULUMI_CONFIG_PASSPHRASE_FILE must be set: for a dev tier any value will
// do (even empty), for staging and prod it must not be empty. The tool never
// chooses a passphrase itself.
func (s Settings) CheckPassphrase(tier string) error {
	if !s.UsesPassphrase() {
		return nil
	}
	strict := tier != "dev"
	if v, ok := s.lookup(EnvPassphrase); ok {
		if strict && v == "" {
			return fmt.Errorf("%s is set but empty: a %s stack needs the team's passphrase (an empty one is only accepted for dev)", EnvPassphrase, tier)
		}
		return nil
	}
	if f, ok := s.lookup(EnvPassphraseFile); ok && f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("%s=%s: %w", EnvPassphraseFile, f, err)
		}
		if strict && strings.TrimSpace(string(data)) == "" {
			return fmt.Errorf("%s=%s is empty: a %s stack needs the team's passphrase (an empty one is only accepted for dev)", EnvPassphraseFile, f, tier)
		}
		return nil
	}
	hint := "for dev any value will do, e.g. export PULUMI_CONFIG_PASSPHRASE=dev"
	if strict {
		hint = fmt.Sprintf("a %s stack needs the team's passphrase; the tool never picks one", tier)
	}
	return fmt.Errorf("the %s backend %s encrypts secrets with the passphrase provider: set %s or %s (%s), or choose a KMS provider with %s=awskms://alias/<key>",
		s.Kind, s.BackendURL, EnvPassphrase, EnvPassphraseFile, hint, EnvSecretsProvider)
}

// Describe says in one line where state goes and how secrets are encrypted.
func (s Settings) Describe() string {
	secrets := s.SecretsProvider
	switch {
	case secrets == "" && s.Kind == Cloud:
		secrets = "Pulumi Cloud"
	case secrets == "":
		secrets = "passphrase"
	}
	return fmt.Sprintf("state %s (%s), secrets %s", s.BackendURL, s.Kind, secrets)
}

// env is the environment the CLI runs with, on top of the tool's own.
func (s Settings) env() map[string]string {
	env := map[string]string{
		EnvBackendURL: s.BackendURL,
		// The per-run stack file never keeps the salt or data key the CLI
		// writes into it: later runs take the secrets provider recorded in
		// the stack's state instead.
		"PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER": "true",
		"PULUMI_SKIP_UPDATE_CHECK":                 "true",
	}
	for _, k := range []string{EnvPassphrase, EnvPassphraseFile} {
		if v, ok := s.lookup(k); ok {
			env[k] = v
		}
	}
	return env
}
