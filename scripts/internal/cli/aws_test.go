package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// noAWSSettings points the SDK at empty config files and clears the
// environment that could name a region.
func noAWSSettings(t *testing.T) {
	t.Helper()
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

func TestAWSConfigUsesTheGivenRegion(t *testing.T) {
	noAWSSettings(t)
	t.Setenv("AWS_REGION", "us-east-1")
	cfg, err := AWSConfig(context.Background(), "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" {
		t.Errorf("region %q, want the given eu-west-1 over AWS_REGION", cfg.Region)
	}
}

func TestAWSConfigFallsBackToTheConfiguredRegion(t *testing.T) {
	noAWSSettings(t)
	t.Setenv("AWS_REGION", "ap-southeast-2")
	cfg, err := AWSConfig(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "ap-southeast-2" {
		t.Errorf("region %q, want AWS_REGION's ap-southeast-2", cfg.Region)
	}
}

func TestAWSConfigWithoutAnyRegionIsErrNoRegion(t *testing.T) {
	noAWSSettings(t)
	if _, err := AWSConfig(context.Background(), ""); !errors.Is(err, ErrNoRegion) {
		t.Fatalf("err = %v, want ErrNoRegion", err)
	}
}

func TestAWSConfigNamesAMissingProfile(t *testing.T) {
	noAWSSettings(t)
	t.Setenv("AWS_PROFILE", "no-such-profile")
	_, err := AWSConfig(context.Background(), "eu-west-1")
	if err == nil {
		t.Fatal("a profile that is not configured loaded")
	}
	if want := "load AWS configuration for eu-west-1: "; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Errorf("err %q does not start with %q", err, want)
	}
}

// TestAWSClientsBuildsFromTheRegionsConfigOrPassesTheError fails if the
// clients are built from another region's configuration, or built at all
// when the configuration does not load.
func TestAWSClientsBuildsFromTheRegionsConfigOrPassesTheError(t *testing.T) {
	noAWSSettings(t)
	built := 0
	load := AWSClients(func(cfg aws.Config) string { built++; return cfg.Region })
	got, err := load(context.Background(), "eu-central-1")
	if err != nil || got != "eu-central-1" {
		t.Errorf("clients of %q, %v; want eu-central-1's", got, err)
	}
	if _, err := load(context.Background(), ""); !errors.Is(err, ErrNoRegion) {
		t.Errorf("err = %v, want ErrNoRegion", err)
	}
	if built != 1 {
		t.Errorf("built %d times, want once (not after the failed load)", built)
	}
}
