package tags_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/tags"
)

func TestNew(t *testing.T) {
	extra := map[string]string{"Service": "orders", "CostCenter": "platform"}
	s := tags.New("prod", "prod", "database", "orders-prod", extra)
	want := map[string]string{
		"Environment": "prod", "Tier": "prod", "Project": "database", "Stack": "orders-prod", "ManagedBy": "pulumi",
		"Service": "orders", "CostCenter": "platform",
	}
	if got := s.Map(); !maps.Equal(got, want) {
		t.Errorf("Map() = %v, want %v", got, want)
	}
	if len(extra) != 2 {
		t.Errorf("New changed the caller's map: %v", extra)
	}
	if m := tags.New("dev", "dev", "network", "dev", nil).Map(); len(m) != len(tags.Required) {
		t.Errorf("New with nil extras = %v", m)
	}
}

func TestRequiredTagsWin(t *testing.T) {
	s := tags.New("prod", "prod", "database", "orders-prod", map[string]string{"Environment": "dev", "ManagedBy": "hand"})
	if m := s.Map(); m["Environment"] != "prod" || m["ManagedBy"] != "pulumi" {
		t.Errorf("an extra tag overrides a required one: %v", m)
	}
}

func TestMapIsACopy(t *testing.T) {
	s := tags.New("dev", "dev", "network", "dev", nil)
	m := s.Map()
	m["Environment"] = "prod"
	m["Injected"] = "x"
	if got := s.Map(); got["Environment"] != "dev" || got["Injected"] != "" {
		t.Errorf("changing Map()'s result changed the set: %v", got)
	}
}

func TestNamed(t *testing.T) {
	s := tags.New("dev", "dev", "network", "dev", map[string]string{"Team": "db"})
	named := s.Named("pgp-dev-vpc")
	if got, ok := named["Name"].(pulumi.String); !ok || got != "pgp-dev-vpc" {
		t.Errorf("Name = %#v", named["Name"])
	}
	for k, v := range s.Map() {
		if got, ok := named[k].(pulumi.String); !ok || string(got) != v {
			t.Errorf("Named()[%s] = %#v, want %q", k, named[k], v)
		}
	}
	if len(named) != len(s.Map())+1 {
		t.Errorf("Named has %d tags, want %d", len(named), len(s.Map())+1)
	}
	if _, leaked := s.Map()["Name"]; leaked {
		t.Error("Named added Name to the set itself")
	}
	if other := s.Named("other"); other["Name"] != pulumi.String("other") {
		t.Errorf("second Named call: Name = %#v", other["Name"])
	}
}

func TestMissing(t *testing.T) {
	full := tags.New("dev", "dev", "network", "dev", nil).Map()
	if got := tags.Missing(full); len(got) != 0 {
		t.Errorf("Missing(complete tags) = %v", got)
	}
	partial := maps.Clone(full)
	delete(partial, "Stack")
	partial["Tier"] = ""
	if got, want := tags.Missing(partial), []string{"Stack", "Tier"}; !slices.Equal(got, want) {
		t.Errorf("Missing = %v, want %v", got, want)
	}
	want := slices.Sorted(slices.Values(tags.Required))
	if got := tags.Missing(nil); !slices.Equal(got, want) {
		t.Errorf("Missing(nil) = %v, want %v", got, want)
	}
	if got := tags.Missing(map[string]string{"Name": "x", "Service": "y"}); !slices.Equal(got, want) {
		t.Errorf("Missing(only extras) = %v, want %v", got, want)
	}
}

func TestRequired(t *testing.T) {
	want := []string{"Environment", "ManagedBy", "Project", "Stack", "Tier"}
	if got := slices.Sorted(slices.Values(tags.Required)); !slices.Equal(got, want) {
		t.Errorf("Required = %v, want %v", got, want)
	}
}
