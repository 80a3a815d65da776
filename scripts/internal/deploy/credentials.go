package deploy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pgplatform/platform/scripts/internal/workspace"
)

// EnvInstanceCredentials declares that AWS credentials come from a source
// the tool cannot see in the environment: the EC2 instance role.
const EnvInstanceCredentials = "DEPLOY_AWS_INSTANCE_CREDENTIALS"

// NoCredentialsHelp says what to set when no AWS credentials are found.
const NoCredentialsHelp = `no AWS credentials found; set one of:
  AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary keys)
  AWS_PROFILE naming a profile in ~/.aws/config or ~/.aws/credentials (or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE)
  AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (OIDC, e.g. GitHub Actions)
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI (ECS, CodeBuild)
  ` + EnvInstanceCredentials + `=true on an EC2 instance whose role grants access`

// AWSCredentials finds the standard source the AWS provider will take its
// credentials from, looking only at the environment and the shared config
// files: it never calls AWS, so dummy keys pass. It returns a description
// of the source, or an error saying what to set.
func AWSCredentials(lookup workspace.Lookup, home string) (string, error) {
	get := func(keys ...string) (string, string) {
		for _, k := range keys {
			if v, ok := lookup(k); ok && strings.TrimSpace(v) != "" {
				return k, strings.TrimSpace(v)
			}
		}
		return "", ""
	}

	idKey, id := get("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY")
	secretKey, secret := get("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
	switch {
	case id != "" && secret != "":
		return fmt.Sprintf("static keys from %s and %s", idKey, secretKey), nil
	case id != "":
		return "", fmt.Errorf("%s is set but AWS_SECRET_ACCESS_KEY is not: set both", idKey)
	case secret != "":
		return "", fmt.Errorf("%s is set but AWS_ACCESS_KEY_ID is not: set both", secretKey)
	}

	configFile := filepath.Join(home, ".aws", "config")
	if _, v := get("AWS_CONFIG_FILE"); v != "" {
		configFile = v
	}
	credsFile := filepath.Join(home, ".aws", "credentials")
	if _, v := get("AWS_SHARED_CREDENTIALS_FILE"); v != "" {
		credsFile = v
	}

	if profileKey, profile := get("AWS_PROFILE", "AWS_DEFAULT_PROFILE"); profile != "" {
		file, err := findProfile(profile, configFile, credsFile)
		if err != nil {
			return "", err
		}
		if file == "" {
			return "", fmt.Errorf("%s=%s: no [profile %s] in %s and no [%s] in %s", profileKey, profile, profile, configFile, profile, credsFile)
		}
		return fmt.Sprintf("profile %s from %s", profile, file), nil
	}

	if _, token := get("AWS_WEB_IDENTITY_TOKEN_FILE"); token != "" {
		_, role := get("AWS_ROLE_ARN")
		if role == "" {
			return "", fmt.Errorf("AWS_WEB_IDENTITY_TOKEN_FILE=%s is set but AWS_ROLE_ARN is not: set the role to assume", token)
		}
		if _, err := os.Stat(token); err != nil {
			return "", fmt.Errorf("AWS_WEB_IDENTITY_TOKEN_FILE=%s: %w", token, err)
		}
		return fmt.Sprintf("web identity token %s for %s", token, role), nil
	}

	if key, _ := get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"); key != "" {
		return "container credentials endpoint from " + key, nil
	}

	file, err := findProfile("default", configFile, credsFile)
	if err != nil {
		return "", err
	}
	if file != "" {
		return "profile default from " + file, nil
	}

	if _, v := get(EnvInstanceCredentials); v != "" {
		switch strings.ToLower(v) {
		case "true", "1", "yes":
			return "the EC2 instance role (" + EnvInstanceCredentials + "=" + v + ")", nil
		default:
			return "", fmt.Errorf("%s=%q: want true to use the EC2 instance role", EnvInstanceCredentials, v)
		}
	}
	return "", errors.New(NoCredentialsHelp)
}

// findProfile returns the file that defines the profile: the config file
// ([profile name], or [default]) or the credentials file ([name]); "" if
// neither does. A missing file defines nothing.
func findProfile(profile, configFile, credsFile string) (string, error) {
	configSection := "profile " + profile
	if profile == "default" {
		configSection = "default"
	}
	for _, f := range []struct{ file, section string }{{configFile, configSection}, {credsFile, profile}} {
		ok, err := hasSection(f.file, f.section)
		if err != nil {
			return "", err
		}
		if ok {
			return f.file, nil
		}
	}
	return "", nil
}

func hasSection(file, section string) (bool, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read AWS shared config: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "[") || !strings.HasSuffix(line, "]") {
			continue
		}
		if strings.Join(strings.Fields(line[1:len(line)-1]), " ") == section {
			return true, nil
		}
	}
	return false, nil
}
