package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestAWSCredentials(t *testing.T) {
	home := t.TempDir()
	awsDir := filepath.Join(home, ".aws")
	if err := os.MkdirAll(awsDir, 0o700); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(awsDir, "config")
	if err := os.WriteFile(config, []byte("[profile deployer]\nregion = eu-west-1\n[sso-session corp]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "creds")
	if err := os.WriteFile(other, []byte("[ci]\naws_access_key_id = x\n[ default ]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("jwt"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyHome := t.TempDir()

	tests := []struct {
		name    string
		home    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{name: "nothing set says what to set", home: emptyHome, env: nil,
			wantErr: "no AWS credentials found; set one of:\n  AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
		{name: "dummy static keys pass", home: emptyHome, env: map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"},
			want: "static keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
		{name: "key id without secret", home: emptyHome, env: map[string]string{"AWS_ACCESS_KEY_ID": "test"},
			wantErr: "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"},
		{name: "secret without key id", home: emptyHome, env: map[string]string{"AWS_SECRET_ACCESS_KEY": "x"},
			wantErr: "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"},
		{name: "blank keys count as unset", home: emptyHome, env: map[string]string{"AWS_ACCESS_KEY_ID": " ", "AWS_SECRET_ACCESS_KEY": ""},
			wantErr: "no AWS credentials found"},
		{name: "profile in the config file", home: home, env: map[string]string{"AWS_PROFILE": "deployer"},
			want: "profile deployer from " + config},
		{name: "profile in a named credentials file", home: emptyHome, env: map[string]string{"AWS_PROFILE": "ci", "AWS_SHARED_CREDENTIALS_FILE": other},
			want: "profile ci from " + other},
		{name: "unknown profile", home: home, env: map[string]string{"AWS_PROFILE": "nobody"},
			wantErr: "AWS_PROFILE=nobody: no [profile nobody] in " + config},
		{name: "web identity", home: emptyHome, env: map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/deploy"},
			want: "web identity token " + token + " for arn:aws:iam::123456789012:role/deploy"},
		{name: "web identity without role", home: emptyHome, env: map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": token},
			wantErr: "AWS_ROLE_ARN is not"},
		{name: "web identity token missing", home: emptyHome, env: map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": token + ".gone", "AWS_ROLE_ARN": "arn"},
			wantErr: "AWS_WEB_IDENTITY_TOKEN_FILE=" + token + ".gone"},
		{name: "container credentials", home: emptyHome, env: map[string]string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"},
			want: "container credentials endpoint from AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"},
		{name: "default profile without AWS_PROFILE", home: emptyHome, env: map[string]string{"AWS_SHARED_CREDENTIALS_FILE": other},
			want: "profile default from " + other},
		{name: "instance role by declaration", home: emptyHome, env: map[string]string{EnvInstanceCredentials: "true"},
			want: "the EC2 instance role"},
		{name: "bad instance declaration", home: emptyHome, env: map[string]string{EnvInstanceCredentials: "maybe"},
			wantErr: EnvInstanceCredentials + `="maybe": want true`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AWSCredentials(envOf(tc.env), tc.home)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("AWSCredentials: %v", err)
			}
			if !strings.HasPrefix(got, tc.want) {
				t.Fatalf("source = %q, want %q", got, tc.want)
			}
		})
	}
}
