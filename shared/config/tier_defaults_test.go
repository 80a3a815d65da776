package config_test

import (
	"testing"

	"github.com/pgplatform/platform/shared/config"
)

// TestDeletionProtectionDefaultsByTier: on by default in staging and prod,
// off by default in dev so a dev environment can be destroyed as it is.
func TestDeletionProtectionDefaultsByTier(t *testing.T) {
	for tier, want := range map[string]bool{"dev": false, "staging": true, "prod": true} {
		t.Run(tier, func(t *testing.T) {
			d, err := config.LoadDatabase(config.MapSource("database", map[string]string{
				"aws:region": "eu-west-1", "aws:allowedAccountIds": `["111122223333"]`, "database:environment": tier, "database:tier": tier, "database:app": "orders",
				"database:drOptOut": "no recovery network in these tests",
			}))
			if err != nil {
				t.Fatal(err)
			}
			if d.DeletionProtection != want {
				t.Errorf("tier %s: deletionProtection %v, want %v", tier, d.DeletionProtection, want)
			}
		})
	}
}
