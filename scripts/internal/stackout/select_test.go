package stackout

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/stacks"
)

func catalog() []stacks.Stack {
	return []stacks.Stack{
		{Project: "network", Name: "dev", Environment: "dev"},
		{Project: "network", Name: "staging", Environment: "staging"},
		{Project: "database", Name: "orders-dev", Environment: "dev"},
		{Project: "database", Name: "payments-dev", Environment: "dev"},
		{Project: "database", Name: "orders-staging", Environment: "staging"},
	}
}

func names(ss []stacks.Stack) string {
	var n []string
	for _, s := range ss {
		n = append(n, s.Name)
	}
	return strings.Join(n, ",")
}

func TestSelect(t *testing.T) {
	got, err := Select(catalog(), "dev", nil)
	if err != nil || names(got) != "orders-dev,payments-dev" {
		t.Errorf("all of dev: %s, %v", names(got), err)
	}
	got, err = Select(catalog(), "dev", []string{"payments-dev", "payments-dev"})
	if err != nil || names(got) != "payments-dev" {
		t.Errorf("named: %s, %v", names(got), err)
	}
	for _, tc := range []struct {
		env   string
		names []string
		want  string
	}{
		{"qa", nil, `--env "qa" is not an environment of this repository: want one of dev, staging`},
		{"staging", []string{"orders-dev"}, `--stack "orders-dev" is not a database stack of environment staging: want one of orders-staging`},
		{"dev", []string{"dev"}, `--stack "dev" is not a database stack`},
	} {
		if _, err := Select(catalog(), tc.env, tc.names); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Select(%s, %v) = %v, want %q", tc.env, tc.names, err, tc.want)
		}
	}
}

type failing struct{ called *bool }

func (f failing) Outputs(context.Context, string, string) (map[string]any, error) {
	*f.called = true
	return nil, errors.New("backend says no")
}

func TestLayered(t *testing.T) {
	called := false
	l := Layered{Files: Files{Key("database", "x"): "/nonexistent.json"}, Fallback: failing{&called}}
	if _, err := l.Outputs(context.Background(), "database", "x"); err == nil || called || !strings.Contains(err.Error(), "read outputs file") {
		t.Errorf("file stack: %v (fallback called %t)", err, called)
	}
	if _, err := l.Outputs(context.Background(), "network", "dev"); err == nil || !called {
		t.Errorf("other stack: %v (fallback called %t)", err, called)
	}
	if _, err := (Layered{}).Outputs(context.Background(), "network", "dev"); err == nil || !strings.Contains(err.Error(), "no outputs file was given") {
		t.Errorf("no fallback: %v", err)
	}
}
