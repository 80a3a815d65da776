package fakeaws

import (
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inRegion is a provider over p's records configured for region, as the
// engine runs one plugin per explicit provider.
func inRegion(t *testing.T, p *Provider, region string) *Provider {
	t.Helper()
	q := &Provider{store: p.store}
	_, err := q.Configure(bg, &pulumirpc.ConfigureRequest{Args: props(t, pm(map[string]any{"region": region}))})
	require.NoError(t, err)
	return q
}

// replicationSource makes, in another region than p's (eu-central-1), a
// DB instance with automated backups, and in p's region a KMS key; it
// returns the instance's and the key's ARNs.
func replicationSource(t *testing.T, p *Provider, name string, retention float64) (instanceArn, keyArn string) {
	t.Helper()
	primary := inRegion(t, p, "eu-central-1")
	_, inst := create(t, primary, "aws:rds/instance:Instance", name, map[string]any{
		"identifier": name, "backupRetentionPeriod": retention, "finalSnapshotIdentifier": name + "-final",
	})
	_, key := create(t, p, "aws:kms/key:Key", name+"-key", map[string]any{})
	return str(inst, "arn"), str(key, "arn")
}

// TestBackupsReplicationAsTheProviderAndAPISay: every argument replaces
// the replication, ARNs are validated at Check, retention defaults to 7,
// and the create is refused without a source instance in another region
// with backups on, or with a key outside the destination region.
func TestBackupsReplicationAsTheProviderAndAPISay(t *testing.T) {
	p, _ := newConfigured(t)
	base := map[string]any{"sourceDbInstanceArn": "arn:aws:rds:eu-central-1:123456789012:db:a", "kmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/k", "retentionPeriod": 7.0}
	for key, value := range map[string]any{
		"sourceDbInstanceArn": "arn:aws:rds:eu-central-1:123456789012:db:b",
		"kmsKeyId":            "arn:aws:kms:eu-west-1:123456789012:key/other",
		"retentionPeriod":     14.0,
		"preSignedUrl":        "https://example.com",
	} {
		assert.Equal(t, []string{key}, diffOne(t, p, backupsReplicationTok, base, key, value).GetReplaces(), key)
	}
	assert.Contains(t, checkFailures(t, p, backupsReplicationTok, map[string]any{"sourceDbInstanceArn": base["sourceDbInstanceArn"], "kmsKeyId": "alias/orders"}), `kmsKeyId: kmsKeyId "alias/orders" is an invalid ARN: want arn:<partition>:<service>:<region>:<account>:<resource>`)
	assert.NotEmpty(t, checkFailures(t, p, backupsReplicationTok, map[string]any{}), "source_db_instance_arn is required")

	src, key := replicationSource(t, p, "orders", 14)
	id, out := create(t, p, backupsReplicationTok, "dr", map[string]any{"sourceDbInstanceArn": src, "kmsKeyId": key})
	assert.Regexp(t, `^arn:aws:rds:eu-west-1:123456789012:auto-backup:ab-[0-9a-f]{26}$`, id)
	assert.Equal(t, 7.0, out["retentionPeriod"].NumberValue(), "retention_period defaults to 7")
	recs, err := Records(p.store.dir)
	require.NoError(t, err)
	var found bool
	for _, r := range recs {
		if r.Type == backupsReplicationTok {
			found = true
			assert.Equal(t, "eu-west-1", r.Region, "the replication is recorded in the destination region")
		}
	}
	assert.True(t, found)

	refused := func(name string, in map[string]any, want string) {
		t.Helper()
		checked := check(t, p, backupsReplicationTok, name, pm(in), nil, "s")
		require.Empty(t, checked.GetFailures())
		_, err := p.Create(bg, &pulumirpc.CreateRequest{Urn: urn(backupsReplicationTok, name), Type: backupsReplicationTok, Properties: checked.GetInputs()})
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), want, name)
	}
	refused("no-source", map[string]any{"sourceDbInstanceArn": "arn:aws:rds:eu-central-1:123456789012:db:nope", "kmsKeyId": key}, "DBInstanceNotFound")
	noBackups, key2 := replicationSource(t, p, "nobackups", 0)
	refused("no-backups", map[string]any{"sourceDbInstanceArn": noBackups, "kmsKeyId": key2}, "InvalidDBInstanceState")
	_, sameRegion := create(t, p, "aws:rds/instance:Instance", "local", map[string]any{"identifier": "local", "backupRetentionPeriod": 7.0, "finalSnapshotIdentifier": "local-final"})
	refused("same-region", map[string]any{"sourceDbInstanceArn": str(sameRegion, "arn"), "kmsKeyId": key}, "same Region")
	_, farKey := create(t, inRegion(t, p, "eu-central-1"), "aws:kms/key:Key", "far-key", map[string]any{})
	refused("key-elsewhere", map[string]any{"sourceDbInstanceArn": src, "kmsKeyId": str(farKey, "arn")}, "KMSKeyNotAccessible")
	refused("no-key", map[string]any{"sourceDbInstanceArn": src, "kmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/missing"}, "KMSKeyNotAccessible")
}
