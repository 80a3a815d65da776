package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// ErrNoRegion is returned by AWSConfig when no region is given and the
// SDK's configuration names none.
var ErrNoRegion = errors.New("no AWS region")

// AWSConfig loads the AWS SDK's default configuration: credentials and
// settings from the environment (AWS_PROFILE, AWS_ENDPOINT_URL_<SERVICE>,
// ...), the shared config and credentials files, then the instance's
// role. region, when set, overrides the configured region; when it is ""
// the configured one is used, and ErrNoRegion is returned if there is none.
func AWSConfig(ctx context.Context, region string) (aws.Config, error) {
	var opts []func(*awsconfig.LoadOptions) error
	what := "load AWS configuration"
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
		what += " for " + region
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("%s: %w", what, err)
	}
	if cfg.Region == "" {
		return aws.Config{}, ErrNoRegion
	}
	return cfg, nil
}

// AWSClients returns a loader of a command's AWS clients for one region:
// it loads the configuration with AWSConfig and builds the clients from it
// with build.
func AWSClients[T any](build func(aws.Config) T) func(ctx context.Context, region string) (T, error) {
	return func(ctx context.Context, region string) (T, error) {
		cfg, err := AWSConfig(ctx, region)
		if err != nil {
			var zero T
			return zero, err
		}
		return build(cfg), nil
	}
}
