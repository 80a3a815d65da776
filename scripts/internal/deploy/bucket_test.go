package deploy

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLegacyS3ParamsAreTranslatedAsTheCLIDoes(t *testing.T) {
	assert.Equal(t, "s3://b/p?disable_https=true&endpoint=http%3A%2F%2Fminio%3A9000",
		legacyS3Params("s3://b/p?endpoint=minio:9000&disableSSL=true"))
	assert.Equal(t, "s3://b/p?endpoint=https%3A%2F%2Fs3.example.com",
		legacyS3Params("s3://b/p?endpoint=https://s3.example.com&disableSSL=true"), "an endpoint with a scheme drops disableSSL")
	assert.Equal(t, "s3://b/p?region=eu-west-1", legacyS3Params("s3://b/p?region=eu-west-1"))
	assert.Equal(t, "file:///x", legacyS3Params("file:///x"))
}

func TestOpenBackendOpensAFolderAndSkipsPulumiCloud(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBackend(context.Background(), "file://"+dir)
	require.NoError(t, err)
	defer b.Close()
	assert.Equal(t, filepath.Join(dir, "deploy-locks/x"), b.Where("deploy-locks/x"))
	require.NoError(t, b.Bucket.WriteAll(context.Background(), "deploy-locks/x", []byte("{}"), nil))
	assert.FileExists(t, filepath.Join(dir, "deploy-locks", "x"))

	none, err := OpenBackend(context.Background(), "https://api.pulumi.com")
	require.NoError(t, err)
	assert.Nil(t, none, "the service keeps its own locks")
	assert.Equal(t, "s3://b/platform/k", (&Backend{URL: "s3://b/platform?region=eu-west-1"}).Where("k"))
}
