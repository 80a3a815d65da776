// Command fakeaws-api serves the AWS test double's read-only RDS API over
// the folder named by FAKEAWS_DIR, on a free loopback port, for running the
// platform's tools by hand against a double the engine wrote (see
// e2e/README.md). It prints the line to export and serves until
// interrupted:
//
//	FAKEAWS_DIR=/tmp/fake/aws go run ./cmd/fakeaws-api
//	AWS_ENDPOINT_URL_RDS=http://127.0.0.1:40123
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/pgplatform/platform/e2e/fakeaws"
)

func main() {
	srv, err := fakeaws.ServeAPI(os.Getenv(fakeaws.DirEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("AWS_ENDPOINT_URL_RDS=%s\n", srv.URL)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	<-sigs
	if err := srv.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
