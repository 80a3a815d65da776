package restore

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// maxIdentifier is RDS's limit on a DB instance identifier.
const maxIdentifier = 63

// drillInfix separates the source's identifier from the drill's timestamp.
const drillInfix = "-drill-"

var identifierPattern = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)

// InstanceName is the identifier of the temporary instance of a drill
// started at `at`: the source identifier, "-drill-" and a UTC timestamp,
// with the source part shortened to fit RDS's 63 characters. It is never
// the source's identifier, and it is a valid RDS identifier.
func InstanceName(source string, at time.Time) (string, error) {
	if !identifierPattern.MatchString(source) || strings.Contains(source, "--") || len(source) > maxIdentifier {
		return "", fmt.Errorf("source instance identifier %q is not an RDS identifier (1-63 lowercase letters, digits and single hyphens, starting with a letter)", source)
	}
	suffix := drillInfix + at.UTC().Format("20060102150405")
	base := source
	if len(base)+len(suffix) > maxIdentifier {
		base = strings.TrimRight(base[:maxIdentifier-len(suffix)], "-")
	}
	name := base + suffix
	if name == source {
		return "", fmt.Errorf("drill instance name %q equals the source's: refusing to restore over it", name)
	}
	if !identifierPattern.MatchString(name) || strings.Contains(name, "--") || len(name) > maxIdentifier {
		return "", fmt.Errorf("drill instance name %q is not a valid RDS identifier", name)
	}
	return name, nil
}

// IsDrillName reports whether name looks like a drill instance of source.
func IsDrillName(name, source string) bool {
	i := strings.LastIndex(name, drillInfix)
	return i > 0 && name != source && strings.HasPrefix(source, name[:i])
}
