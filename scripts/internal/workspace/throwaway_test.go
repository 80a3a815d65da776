package workspace

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestThrowawayBackendIsALocalFolderOfItsOwn(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	shared, err := FromEnv(t.TempDir(), envOf(map[string]string{
		EnvBackendURL:      "s3://acme-pulumi-state/platform?region=eu-west-1",
		EnvSecretsProvider: "awskms://alias/pulumi-state?region=eu-west-1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	// No stack to copy: the CLI is not needed.
	tb, err := shared.NewThrowaway(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(tb.Dir()); err != nil || !fi.IsDir() {
		t.Fatalf("throwaway backend folder: %v", err)
	}
	s := tb.Settings
	if s.BackendURL != "file://"+tb.Dir() || s.Kind != Local {
		t.Fatalf("backend = %s (%s), want file://%s", s.BackendURL, s.Kind, tb.Dir())
	}
	// A new stack there must not need the KMS key: passphrase provider.
	if s.SecretsProvider != "passphrase" || !s.UsesPassphrase() {
		t.Fatalf("secrets provider = %q, want passphrase", s.SecretsProvider)
	}
	env := s.env()
	if env[EnvBackendURL] != s.BackendURL {
		t.Fatalf("the CLI would run against %s, want the throwaway backend", env[EnvBackendURL])
	}
	if env["PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER"] != "true" {
		t.Fatal("the throwaway backend lost PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER")
	}
	// The run had no passphrase (KMS): one is made for the throwaway
	// backend alone.
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(env[EnvPassphrase]) {
		t.Fatalf("throwaway passphrase = %q, want 32 random bytes in hex", env[EnvPassphrase])
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tb.Dir()); !os.IsNotExist(err) {
		t.Fatalf("Close left the throwaway backend: %v", err)
	}
}

func TestThrowawayPassphrase(t *testing.T) {
	// A run with a passphrase keeps it: the copies of its stacks are
	// encrypted with it, and the CLI reads one passphrase per process.
	for _, env := range []map[string]string{
		{EnvPassphrase: "team-passphrase"},
		{EnvPassphrase: ""},
		{EnvPassphraseFile: "/run/secrets/pulumi"},
	} {
		lookup, err := throwawayLookup(envOf(env))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{EnvPassphrase, EnvPassphraseFile} {
			got, ok := lookup(k)
			want, wantOK := env[k]
			if got != want || ok != wantOK {
				t.Errorf("%v: %s = %q, %t; want the run's %q, %t", env, k, got, ok, want, wantOK)
			}
		}
	}
	// Without one, each throwaway backend gets its own.
	a, err := throwawayLookup(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	b, err := throwawayLookup(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	pa, _ := a(EnvPassphrase)
	pb, _ := b(EnvPassphrase)
	if pa == "" || pa == pb {
		t.Fatalf("passphrases %q and %q: want two different random ones", pa, pb)
	}
	if _, ok := a(EnvPassphraseFile); ok {
		t.Fatal("a passphrase file appeared")
	}
}

func TestThrowawayRefusesAnOrganizationALocalBackendCannotHold(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	shared, err := FromEnv(t.TempDir(), envOf(map[string]string{EnvBackendURL: "https://api.pulumi.com"}))
	if err != nil {
		t.Fatal(err)
	}
	// Refused before the CLI would run (none is given).
	_, err = shared.NewThrowaway(context.Background(), nil, []Ref{{Org: "acme", Project: "network", Stack: "prod"}})
	if err == nil || !strings.Contains(err.Error(), `copy acme/network/prod to the throwaway backend: a local backend has only the organization "organization"`) {
		t.Fatalf("err = %v, want the organization refused", err)
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Fatalf("left behind in TMPDIR: %v", left)
	}
}

func TestRefString(t *testing.T) {
	if got := (Ref{Project: "network", Stack: "dev"}).String(); got != "network/dev" {
		t.Errorf("got %q", got)
	}
	if got := (Ref{Org: "organization", Project: "network", Stack: "dev"}).String(); got != "organization/network/dev" {
		t.Errorf("got %q", got)
	}
}
