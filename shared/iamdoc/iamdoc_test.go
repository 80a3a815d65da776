package iamdoc

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestServiceTrustBindsTheServiceAccountAndSource checks the rendered
// document, so a trust that drops either condition or names another
// principal fails.
func TestServiceTrustBindsTheServiceAccountAndSource(t *testing.T) {
	got, err := ServiceTrust("the trust", "vpc-flow-logs.amazonaws.com", "123456789012", "ArnLike", "arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/*")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[{
		"Effect":"Allow",
		"Principal":{"Service":"vpc-flow-logs.amazonaws.com"},
		"Action":"sts:AssumeRole",
		"Condition":{
			"StringEquals":{"aws:SourceAccount":"123456789012"},
			"ArnLike":{"aws:SourceArn":"arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/*"}}}]}`
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("trust policy:\n got %s\nwant %s", got, want)
	}
}

func TestEncodeNamesTheDocumentInItsError(t *testing.T) {
	_, err := Encode("the odd policy", Statement{"Bad": make(chan int)})
	if err == nil || !strings.Contains(err.Error(), "encode the odd policy") {
		t.Errorf("err = %v, want it to name the odd policy", err)
	}
}
