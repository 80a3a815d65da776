package fakeaws

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The AWS API side of the double: an HTTP endpoint on loopback that answers
// the read-only RDS calls the platform's tools make (verify, the pending
// modifications deploy preview records) from the same records the engine
// writes through the provider double. aws-sdk-go-v2 reaches it through
// BaseEndpoint or AWS_ENDPOINT_URL_RDS.
//
// RDS speaks the AWS Query protocol: a form-encoded POST with Action and
// Version=2014-10-31, answered with XML
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/Welcome.html,
// "Making API requests"; common errors:
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html).
// The element names follow the RDS API Reference data types (DBInstance,
// PendingModifiedValues, Parameter, Event, DBSubnetGroup) and the member
// names aws-sdk-go-v2's RDS schema reads (list members DBInstance,
// DBParameterGroup, VpcSecurityGroupMembership, Subnet, Parameter, Event,
// EventCategory; plain lists "member").
//
// What the double cannot produce it does not invent: no AvailabilityZone,
// SecondaryAvailabilityZone, LatestRestorableTime or InstanceCreateTime
// (the provider double computes none), parameters only as the program set
// them (Source "user"), and a parameter group's apply status always
// "in-sync" (reboots are not modelled). An action, parameter or filter it
// does not answer fails with InvalidAction or InvalidParameterValue naming
// it: recorded answers (scripts/internal/testsupport/recorded) remain for those.

const (
	rdsAPIVersion = "2014-10-31"
	rdsXMLNS      = "http://rds.amazonaws.com/doc/2014-10-31/"
	instanceType  = "aws:rds/instance:Instance"
	paramGroupTyp = "aws:rds/parameterGroup:ParameterGroup"
	subnetGrpType = "aws:rds/subnetGroup:SubnetGroup"
)

// APIServer serves the double's AWS API on 127.0.0.1.
type APIServer struct {
	// URL is the endpoint to give aws-sdk-go-v2 (http://127.0.0.1:<port>).
	URL string

	store *store
	srv   *http.Server
	ln    net.Listener
	done  chan error
	now   func() time.Time
}

// ServeAPI starts the AWS API endpoint over the double's folder dir on a
// free loopback port. Close stops it.
func ServeAPI(dir string) (*APIServer, error) {
	st, err := newStore(dir)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakeaws: listening on loopback for the AWS API: %w", err)
	}
	s := &APIServer{URL: "http://" + ln.Addr().String(), store: st, ln: ln, done: make(chan error, 1), now: time.Now}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the endpoint.
func (s *APIServer) Close() error {
	err := s.srv.Close()
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("fakeaws: stopping the AWS API endpoint: %w", err)
	}
	return nil
}

// apiError is an error answer: HTTP status, AWS error code and message.
type apiError struct {
	status        int
	code, message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func invalidParam(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidParameterValue", message: fmt.Sprintf(format, args...)}
}

// rdsActions are the RDS actions the endpoint answers.
var rdsActions = map[string]func(s *APIServer, q query) (any, error){
	"DescribeDBInstances":    (*APIServer).describeDBInstances,
	"DescribeDBParameters":   (*APIServer).describeDBParameters,
	"DescribeDBSubnetGroups": (*APIServer).describeDBSubnetGroups,
	"DescribeEvents":         (*APIServer).describeEvents,
}

func (s *APIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := requestID()
	result, action, err := s.answer(r)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{status: http.StatusInternalServerError, code: "InternalFailure", message: err.Error()}
		}
		// Logged so that a test's call log shows what the tools asked for
		// and could not get.
		_ = s.store.log(Call{Method: "AWSAPI " + action, Error: ae.Error()})
		writeXML(w, ae.status, errorResponse{XMLNS: rdsXMLNS, Error: xmlError{
			Type: "Sender", Code: ae.code, Message: ae.message,
		}, RequestID: reqID})
		return
	}
	writeXML(w, http.StatusOK, response{
		XMLName:   xml.Name{Local: action + "Response"},
		XMLNS:     rdsXMLNS,
		Result:    resultWrapper{XMLName: xml.Name{Local: action + "Result"}, Body: result},
		RequestID: reqID,
	})
}

func (s *APIServer) answer(r *http.Request) (any, string, error) {
	if r.Method != http.MethodPost {
		return nil, "", &apiError{status: http.StatusBadRequest, code: "InvalidAction",
			message: fmt.Sprintf("fakeaws: the AWS API double takes the Query protocol's form-encoded POST, not %s", r.Method)}
	}
	if err := r.ParseForm(); err != nil {
		return nil, "", invalidParam("fakeaws: reading the form: %v", err)
	}
	q := query{form: r.PostForm, region: signedRegion(r.Header.Get("Authorization"))}
	action := q.get("Action")
	if v := q.get("Version"); v != rdsAPIVersion {
		return nil, action, &apiError{status: http.StatusBadRequest, code: "InvalidAction",
			message: fmt.Sprintf("fakeaws: the AWS API double answers the RDS API version %s only, not %s %q (another service's API?)", rdsAPIVersion, action, v)}
	}
	fn, ok := rdsActions[action]
	if !ok {
		known := make([]string, 0, len(rdsActions))
		for k := range rdsActions {
			known = append(known, k)
		}
		sort.Strings(known)
		return nil, action, &apiError{status: http.StatusBadRequest, code: "InvalidAction",
			message: fmt.Sprintf("fakeaws: the AWS API double does not answer the RDS action %q (it answers %s): add it to e2e/fakeaws/awsapi.go, or use recorded answers",
				action, strings.Join(known, ", "))}
	}
	if q.region == "" {
		return nil, action, &apiError{status: http.StatusForbidden, code: "MissingAuthenticationToken",
			message: "fakeaws: the request is not signed with SigV4 (no Credential scope in the Authorization header): an AWS SDK client signs every request"}
	}
	res, err := fn(s, q)
	return res, action, err
}

// credentialScope finds the region in a SigV4 Authorization header:
// Credential=<key>/<date>/<region>/<service>/aws4_request.
var credentialScope = regexp.MustCompile(`Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/rds/aws4_request`)

func signedRegion(auth string) string {
	if m := credentialScope.FindStringSubmatch(auth); m != nil {
		return m[1]
	}
	return ""
}

func requestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// query is one request's parameters.
type query struct {
	form   map[string][]string
	region string
}

func (q query) get(k string) string {
	if v := q.form[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// only fails on a parameter the action is given that the double does not
// handle, so that no filter is silently dropped.
func (q query) only(action string, allowed ...string) error {
	ok := map[string]bool{"Action": true, "Version": true}
	for _, a := range allowed {
		ok[a] = true
	}
	for k := range q.form {
		base, _, _ := strings.Cut(k, ".")
		if !ok[base] {
			return invalidParam("fakeaws: the AWS API double does not handle the parameter %s of %s (it handles %s)", k, action, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func (q query) maxRecords() (int, error) {
	v := q.get("MaxRecords")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	// MaxRecords: "Default: 100. Constraints: Minimum 20, maximum 100."
	if err != nil || n < 20 || n > 100 {
		return 0, invalidParam("MaxRecords %q: want 20 to 100", v)
	}
	return n, nil
}

// page cuts items to one page after Marker (an offset the double issued).
func page[T any](q query, items []T) ([]T, string, error) {
	size, err := q.maxRecords()
	if err != nil {
		return nil, "", err
	}
	start := 0
	if m := q.get("Marker"); m != "" {
		if start, err = strconv.Atoi(m); err != nil || start < 0 || start > len(items) {
			return nil, "", invalidParam("Marker %q was not issued by this endpoint", m)
		}
	}
	end := min(start+size, len(items))
	marker := ""
	if end < len(items) {
		marker = strconv.Itoa(end)
	}
	return items[start:end], marker, nil
}

// inRegion lists the live records of a type in the request's region.
func (s *APIServer) inRegion(q query, typ string) ([]Record, *records, error) {
	var out []Record
	var all *records
	err := s.store.view(func(r *records) error {
		all = r
		for _, rec := range r.Resources {
			if rec.Type == typ && rec.Region == q.region {
				out = append(out, rec)
			}
		}
		return nil
	})
	return out, all, err
}

// DescribeDBInstances
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html):
// DBInstanceIdentifier takes the identifier or the ARN; an unknown one is
// DBInstanceNotFound (HTTP 404).
func (s *APIServer) describeDBInstances(q query) (any, error) {
	if err := q.only("DescribeDBInstances", "DBInstanceIdentifier", "MaxRecords", "Marker"); err != nil {
		return nil, err
	}
	recs, all, err := s.inRegion(q, instanceType)
	if err != nil {
		return nil, err
	}
	id := q.get("DBInstanceIdentifier")
	var out []xmlDBInstance
	for _, rec := range recs {
		if id != "" && apiStr(rec.Outputs["identifier"]) != id && apiStr(rec.Outputs["arn"]) != id {
			continue
		}
		out = append(out, dbInstance(rec, all))
	}
	// The writer and readers of the Multi-AZ DB clusters (awsapi_cluster.go).
	out = append(out, clusterMemberInstances(q.region, id, all)...)
	if id != "" && len(out) == 0 {
		return nil, &apiError{status: http.StatusNotFound, code: "DBInstanceNotFound", message: "DBInstance " + id + " not found."}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DBInstanceIdentifier < out[j].DBInstanceIdentifier })
	items, marker, err := page(q, out)
	if err != nil {
		return nil, err
	}
	return struct {
		Instances []xmlDBInstance `xml:"DBInstances>DBInstance"`
		Marker    string          `xml:"Marker,omitempty"`
	}{items, marker}, nil
}

// DescribeDBParameters
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBParameters.html).
// The double knows the parameters the program set, which RDS reports with
// Source "user"; the engine's defaults are not modelled, so asking for
// Source system or engine-default fails.
func (s *APIServer) describeDBParameters(q query) (any, error) {
	if err := q.only("DescribeDBParameters", "DBParameterGroupName", "Source", "MaxRecords", "Marker"); err != nil {
		return nil, err
	}
	name := q.get("DBParameterGroupName")
	if name == "" {
		return nil, invalidParam("DBParameterGroupName is required")
	}
	if src := q.get("Source"); src != "" && src != "user" {
		return nil, invalidParam("fakeaws: Source %q: the double knows only the parameters the program set (Source user), not the engine's defaults", src)
	}
	recs, _, err := s.inRegion(q, paramGroupTyp)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		if apiStr(rec.Outputs["name"]) != name {
			continue
		}
		var params []xmlParameter
		list, _ := Unsecret(rec.Inputs["parameters"]).([]any)
		for _, p := range list {
			m, _ := p.(map[string]any)
			// apply_method defaults to "immediate" (terraform-provider-aws
			// internal/service/rds/parameter_group.go, schema of parameter).
			method := apiStr(m["applyMethod"])
			if method == "" {
				method = "immediate"
			}
			params = append(params, xmlParameter{Name: apiStr(m["name"]), Value: apiStr(m["value"]), ApplyMethod: method, Source: "user"})
		}
		sort.Slice(params, func(i, j int) bool { return params[i].Name < params[j].Name })
		items, marker, err := page(q, params)
		if err != nil {
			return nil, err
		}
		return struct {
			Parameters []xmlParameter `xml:"Parameters>Parameter"`
			Marker     string         `xml:"Marker,omitempty"`
		}{items, marker}, nil
	}
	return nil, &apiError{status: http.StatusNotFound, code: "DBParameterGroupNotFound", message: "DBParameterGroup " + name + " not found."}
}

// DescribeDBSubnetGroups
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBSubnetGroups.html).
func (s *APIServer) describeDBSubnetGroups(q query) (any, error) {
	if err := q.only("DescribeDBSubnetGroups", "DBSubnetGroupName", "MaxRecords", "Marker"); err != nil {
		return nil, err
	}
	recs, all, err := s.inRegion(q, subnetGrpType)
	if err != nil {
		return nil, err
	}
	name := q.get("DBSubnetGroupName")
	var out []xmlDBSubnetGroup
	for _, rec := range recs {
		if name == "" || apiStr(rec.Outputs["name"]) == name {
			out = append(out, subnetGroup(rec, all))
		}
	}
	if name != "" && len(out) == 0 {
		return nil, &apiError{status: http.StatusNotFound, code: "DBSubnetGroupNotFoundFault", message: "DBSubnetGroup " + name + " not found."}
	}
	items, marker, err := page(q, out)
	if err != nil {
		return nil, err
	}
	return struct {
		Groups []xmlDBSubnetGroup `xml:"DBSubnetGroups>DBSubnetGroup"`
		Marker string             `xml:"Marker,omitempty"`
	}{items, marker}, nil
}

// DescribeEvents
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeEvents.html):
// the events of the last hour by default (Duration 60), or of
// StartTime..EndTime (ISO 8601), optionally of one source.
func (s *APIServer) describeEvents(q query) (any, error) {
	if err := q.only("DescribeEvents", "SourceType", "SourceIdentifier", "StartTime", "EndTime", "Duration", "MaxRecords", "Marker"); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	end, start := now, now.Add(-time.Hour)
	if v := q.get("Duration"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, invalidParam("Duration %q: want minutes", v)
		}
		start = now.Add(-time.Duration(n) * time.Minute)
	}
	for _, t := range []struct {
		key string
		to  *time.Time
	}{{"StartTime", &start}, {"EndTime", &end}} {
		if v := q.get(t.key); v != "" {
			ts, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return nil, invalidParam("%s %q: want ISO 8601", t.key, v)
			}
			*t.to = ts
		}
	}
	srcType, srcID := q.get("SourceType"), q.get("SourceIdentifier")
	if srcID != "" && srcType == "" {
		return nil, invalidParam("SourceIdentifier %q needs SourceType", srcID)
	}
	var evs []Event
	err := s.store.locked(func() error {
		var err error
		evs, err = loadEvents(s.store.dir)
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []xmlEvent
	for _, e := range evs {
		if e.Region != q.region || e.Date.Before(start) || e.Date.After(end) ||
			(srcType != "" && e.SourceType != srcType) || (srcID != "" && e.SourceIdentifier != srcID) {
			continue
		}
		out = append(out, xmlEvent{
			SourceIdentifier: e.SourceIdentifier, SourceType: e.SourceType, Message: e.Message,
			Categories: e.Categories, Date: isoTime(e.Date), SourceArn: e.SourceArn,
		})
	}
	items, marker, err := page(q, out)
	if err != nil {
		return nil, err
	}
	return struct {
		Events []xmlEvent `xml:"Events>Event"`
		Marker string     `xml:"Marker,omitempty"`
	}{items, marker}, nil
}

// dbInstance renders a record as the DBInstance data type
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html).
// Inputs are what runs (Record), so the running values are read from them;
// the pending ones go to PendingModifiedValues.
func dbInstance(rec Record, all *records) xmlDBInstance {
	in, out := Unsecret(rec.Inputs).(map[string]any), Unsecret(rec.Outputs).(map[string]any)
	d := xmlDBInstance{
		DBInstanceIdentifier:             apiStr(out["identifier"]),
		DBInstanceClass:                  apiStr(in["instanceClass"]),
		Engine:                           apiStr(in["engine"]),
		EngineVersion:                    apiStr(out["engineVersionActual"]),
		DBInstanceStatus:                 apiStr(out["status"]),
		MasterUsername:                   apiStr(in["username"]),
		DBName:                           apiStr(in["dbName"]),
		AllocatedStorage:                 integer(in["allocatedStorage"]),
		MaxAllocatedStorage:              integer(in["maxAllocatedStorage"]),
		StorageType:                      apiStr(in["storageType"]),
		Iops:                             integer(in["iops"]),
		StorageEncrypted:                 in["storageEncrypted"] == true,
		KmsKeyID:                         apiStr(out["kmsKeyId"]),
		DbiResourceID:                    apiStr(out["resourceId"]),
		DBInstanceArn:                    apiStr(out["arn"]),
		MultiAZ:                          in["multiAz"] == true,
		PreferredMaintenanceWindow:       apiStr(in["maintenanceWindow"]),
		PreferredBackupWindow:            apiStr(in["backupWindow"]),
		BackupRetentionPeriod:            integer(in["backupRetentionPeriod"]),
		PubliclyAccessible:               in["publiclyAccessible"] == true,
		DeletionProtection:               in["deletionProtection"] == true,
		IAMDatabaseAuthenticationEnabled: in["iamDatabaseAuthenticationEnabled"] == true,
		PerformanceInsightsEnabled:       in["performanceInsightsEnabled"] == true,
		PerformanceInsightsKMSKeyID:      apiStr(in["performanceInsightsKmsKeyId"]),
		PerformanceInsightsRetention:     integer(in["performanceInsightsRetentionPeriod"]),
		CACertificateIdentifier:          apiStr(out["caCertIdentifier"]),
		AutoMinorVersionUpgrade:          in["autoMinorVersionUpgrade"] != false,
		CopyTagsToSnapshot:               in["copyTagsToSnapshot"] == true,
		MonitoringInterval:               integer(in["monitoringInterval"]),
		MonitoringRoleArn:                apiStr(in["monitoringRoleArn"]),
		Pending:                          pendingFields(rec.PendingModifiedValues()),
	}
	if d.EngineVersion == "" {
		d.EngineVersion = apiStr(in["engineVersion"])
	}
	if addr := apiStr(out["address"]); addr != "" {
		d.Endpoint = &xmlEndpoint{Address: addr, Port: integer(out["port"]), HostedZoneID: apiStr(out["hostedZoneId"])}
	}
	for _, l := range list(in["enabledCloudwatchLogsExports"]) {
		d.LogExports = append(d.LogExports, apiStr(l))
	}
	for _, sg := range list(in["vpcSecurityGroupIds"]) {
		d.SecurityGroups = append(d.SecurityGroups, xmlVpcSG{ID: apiStr(sg), Status: "active"})
	}
	if pg := apiStr(in["parameterGroupName"]); pg != "" {
		// ParameterApplyStatus: the double does not model reboots, so a
		// group is always in-sync (see the package comment).
		d.ParameterGroups = []xmlParamGroupStatus{{Name: pg, Status: "in-sync"}}
	}
	if sg := apiStr(in["dbSubnetGroupName"]); sg != "" {
		if i, ok := all.find(subnetGrpType, sg); ok {
			g := subnetGroup(all.Resources[i], all)
			d.SubnetGroup = &g
		}
	}
	if secrets := list(out["masterUserSecrets"]); len(secrets) > 0 {
		m, _ := secrets[0].(map[string]any)
		d.MasterUserSecret = &xmlMasterUserSecret{SecretArn: apiStr(m["secretArn"]), SecretStatus: apiStr(m["secretStatus"]), KmsKeyID: apiStr(m["kmsKeyId"])}
	}
	return d
}

// subnetGroup renders the DBSubnetGroup data type
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBSubnetGroup.html).
func subnetGroup(rec Record, all *records) xmlDBSubnetGroup {
	in, out := Unsecret(rec.Inputs).(map[string]any), Unsecret(rec.Outputs).(map[string]any)
	g := xmlDBSubnetGroup{
		Name: apiStr(out["name"]), Description: apiStr(in["description"]), VpcID: apiStr(out["vpcId"]),
		Status: "Complete", Arn: apiStr(out["arn"]),
	}
	for _, id := range list(in["subnetIds"]) {
		sn := xmlSubnet{ID: apiStr(id), Status: "Active"}
		if i, ok := all.find("aws:ec2/subnet:Subnet", apiStr(id)); ok {
			sn.AZ = &xmlAZ{Name: apiStr(Unsecret(all.Resources[i].Outputs["availabilityZone"]))}
		}
		g.Subnets = append(g.Subnets, sn)
	}
	return g
}

func apiStr(v any) string {
	switch x := Unsecret(v).(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func integer(v any) int {
	if f, ok := Unsecret(v).(float64); ok && f == math.Trunc(f) {
		return int(f)
	}
	return 0
}

func list(v any) []any {
	l, _ := Unsecret(v).([]any)
	return l
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// pendingFields renders PendingModifiedValues
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_PendingModifiedValues.html)
// from the AWS field names Record.PendingModifiedValues gives, in name
// order; nil when nothing is pending.
func pendingFields(p map[string]any) *xmlFields {
	if len(p) == 0 {
		return nil
	}
	f := xmlFields{}
	for k, v := range p {
		f = append(f, xmlField{Name: k, Value: apiStr(v)})
	}
	sort.Slice(f, func(i, j int) bool { return f[i].Name < f[j].Name })
	return &f
}

// xmlFields is an element of simple child elements, in order.
type xmlFields []xmlField

type xmlField struct{ Name, Value string }

func (f xmlFields) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, x := range f {
		if err := e.EncodeElement(x.Value, xml.StartElement{Name: xml.Name{Local: x.Name}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

type response struct {
	XMLName   xml.Name
	XMLNS     string        `xml:"xmlns,attr"`
	Result    resultWrapper `xml:""`
	RequestID string        `xml:"ResponseMetadata>RequestId"`
}

type resultWrapper struct {
	XMLName xml.Name
	Body    any
}

// MarshalXML writes the result's fields directly under <ActionResult>.
func (r resultWrapper) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.EncodeElement(r.Body, xml.StartElement{Name: r.XMLName})
}

type errorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	XMLNS     string   `xml:"xmlns,attr"`
	Error     xmlError `xml:"Error"`
	RequestID string   `xml:"RequestId"`
}

type xmlError struct {
	Type    string
	Code    string
	Message string
}

type xmlEndpoint struct {
	Address      string
	Port         int
	HostedZoneID string `xml:"HostedZoneId,omitempty"`
}

type xmlParamGroupStatus struct {
	Name   string `xml:"DBParameterGroupName"`
	Status string `xml:"ParameterApplyStatus"`
}

type xmlVpcSG struct {
	ID     string `xml:"VpcSecurityGroupId"`
	Status string `xml:"Status"`
}

type xmlAZ struct{ Name string }

type xmlSubnet struct {
	ID     string `xml:"SubnetIdentifier"`
	AZ     *xmlAZ `xml:"SubnetAvailabilityZone,omitempty"`
	Status string `xml:"SubnetStatus"`
}

type xmlDBSubnetGroup struct {
	Name        string      `xml:"DBSubnetGroupName"`
	Description string      `xml:"DBSubnetGroupDescription"`
	VpcID       string      `xml:"VpcId"`
	Status      string      `xml:"SubnetGroupStatus"`
	Subnets     []xmlSubnet `xml:"Subnets>Subnet"`
	Arn         string      `xml:"DBSubnetGroupArn,omitempty"`
}

type xmlMasterUserSecret struct {
	SecretArn    string
	SecretStatus string
	KmsKeyID     string `xml:"KmsKeyId"`
}

type xmlParameter struct {
	Name        string `xml:"ParameterName"`
	Value       string `xml:"ParameterValue"`
	ApplyMethod string `xml:"ApplyMethod"`
	Source      string `xml:"Source"`
}

type xmlEvent struct {
	SourceIdentifier string
	SourceType       string
	Message          string
	Categories       []string `xml:"EventCategories>EventCategory"`
	Date             string
	SourceArn        string
}

type xmlDBInstance struct {
	DBInstanceIdentifier             string
	DBInstanceClass                  string
	Engine                           string
	EngineVersion                    string
	DBInstanceStatus                 string
	MasterUsername                   string `xml:",omitempty"`
	DBName                           string `xml:",omitempty"`
	Endpoint                         *xmlEndpoint
	AllocatedStorage                 int
	MaxAllocatedStorage              int    `xml:",omitempty"`
	StorageType                      string `xml:",omitempty"`
	Iops                             int    `xml:",omitempty"`
	StorageEncrypted                 bool
	KmsKeyID                         string `xml:"KmsKeyId,omitempty"`
	DbiResourceID                    string `xml:"DbiResourceId"`
	DBInstanceArn                    string
	MultiAZ                          bool
	PreferredMaintenanceWindow       string                `xml:",omitempty"`
	PreferredBackupWindow            string                `xml:",omitempty"`
	BackupRetentionPeriod            int                   `xml:"BackupRetentionPeriod"`
	ParameterGroups                  []xmlParamGroupStatus `xml:"DBParameterGroups>DBParameterGroup"`
	SecurityGroups                   []xmlVpcSG            `xml:"VpcSecurityGroups>VpcSecurityGroupMembership"`
	SubnetGroup                      *xmlDBSubnetGroup     `xml:"DBSubnetGroup"`
	PubliclyAccessible               bool
	DeletionProtection               bool
	IAMDatabaseAuthenticationEnabled bool
	PerformanceInsightsEnabled       bool
	PerformanceInsightsKMSKeyID      string   `xml:"PerformanceInsightsKMSKeyId,omitempty"`
	PerformanceInsightsRetention     int      `xml:"PerformanceInsightsRetentionPeriod,omitempty"`
	LogExports                       []string `xml:"EnabledCloudwatchLogsExports>member"`
	CACertificateIdentifier          string   `xml:",omitempty"`
	AutoMinorVersionUpgrade          bool
	CopyTagsToSnapshot               bool
	MonitoringInterval               int
	MonitoringRoleArn                string               `xml:",omitempty"`
	MasterUserSecret                 *xmlMasterUserSecret `xml:",omitempty"`
	Pending                          *xmlFields           `xml:"PendingModifiedValues,omitempty"`
	// Only a Multi-AZ DB cluster's members have these (awsapi_cluster.go).
	AvailabilityZone    string `xml:",omitempty"`
	DBClusterIdentifier string `xml:",omitempty"`
}

func writeXML(w http.ResponseWriter, status int, v any) {
	data, err := xml.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>fakeaws: encoding the answer: ` +
			xmlEscape(err.Error()) + `</Message></Error></ErrorResponse>`)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), data...))
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
