package e2e

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Pulumi marks a secret in serialized state with this signature key and
// value; the state keeps its "ciphertext", never a "plaintext" or "value".
const (
	secretSigKey   = "4dabf18193072939515e22adb298388d"
	secretSigValue = "1b47061264138c4ac30d75fd1eb44270"
)

// findLeaks searches every file under root for the canary strings, and in
// JSON files for a value marked secret that is stored in plain text. It
// returns one line per finding.
func findLeaks(root string, canaries []string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		for _, c := range canaries {
			if c != "" && strings.Contains(string(data), c) {
				found = append(found, fmt.Sprintf("%s holds %q", path, c))
			}
		}
		if !strings.HasSuffix(path, ".json") {
			return nil
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil // not a JSON document (the call log is JSON lines)
		}
		walkJSON(doc, "", func(at string, obj map[string]any) {
			if obj[secretSigKey] != secretSigValue {
				return
			}
			for _, k := range []string{"plaintext", "value"} {
				if _, ok := obj[k]; ok {
					found = append(found, fmt.Sprintf("%s stores the secret at %s in plain text (%q)", path, at, k))
				}
			}
		})
		return nil
	})
	sort.Strings(found)
	return found, err
}

func walkJSON(v any, at string, visit func(string, map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		visit(at, x)
		for k, e := range x {
			walkJSON(e, at+"."+k, visit)
		}
	case []any:
		for i, e := range x {
			walkJSON(e, fmt.Sprintf("%s[%d]", at, i), visit)
		}
	}
}

func TestFindLeaksSeesCanariesAndPlaintextSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("clean.json", `{"outputs":{"token":{"`+secretSigKey+`":"`+secretSigValue+`","ciphertext":"v1:abc"}}}`)
	write("shown.json", `{"outputs":{"token":{"`+secretSigKey+`":"`+secretSigValue+`","plaintext":"\"hunter2\""}}}`)
	write("calls.jsonl", `{"method":"Create","inputs":{"password":"canary-123"}}`+"\n")

	found, err := findLeaks(dir, []string{"canary-123", "absent"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(dir, "calls.jsonl") + ` holds "canary-123"`,
		filepath.Join(dir, "shown.json") + ` stores the secret at .outputs.token in plain text ("plaintext")`,
	}
	if strings.Join(found, "\n") != strings.Join(want, "\n") {
		t.Fatalf("findLeaks found:\n%s\nwant:\n%s", strings.Join(found, "\n"), strings.Join(want, "\n"))
	}
}
