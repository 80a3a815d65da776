package rdspending

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFieldsKeepsWhatIsSet(t *testing.T) {
	got, err := Fields(&rdstypes.PendingModifiedValues{DBInstanceClass: aws.String("db.r6g.large"), MultiAZ: aws.Bool(false), AllocatedStorage: aws.Int32(200)})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"DBInstanceClass": "db.r6g.large", "MultiAZ": false, "AllocatedStorage": float64(200)}, got)
	assert.Equal(t, "AllocatedStorage=200, DBInstanceClass=db.r6g.large, MultiAZ=false", List(got))
	got, err = Fields(&rdstypes.PendingModifiedValues{})
	require.NoError(t, err)
	assert.Nil(t, got, "an empty PendingModifiedValues is nothing pending")
}

func TestNextWindow(t *testing.T) {
	wed := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC) // a Wednesday
	assert.Equal(t, "Sun 2026-12-06 04:00 UTC", NextWindow("sun:04:00-sun:05:00", wed))
	assert.Equal(t, "Wed 2026-12-02 07:30 UTC", NextWindow("wed:07:30-wed:08:00", wed), "later the same day")
	assert.Equal(t, "Wed 2026-12-09 05:00 UTC", NextWindow("wed:05:00-wed:06:00", wed), "earlier the same day: next week")
	assert.Empty(t, NextWindow("someday", wed))
	assert.Empty(t, NextWindow("sun:25:00-sun:26:00", wed))
	assert.Empty(t, NextWindow("sun:04:00-sun:05:00", time.Time{}))
}
