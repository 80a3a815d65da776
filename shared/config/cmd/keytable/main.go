package main

import (
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/internal/docgen"
)

func main() { docgen.Main("keytable", docgen.File{Name: "README.md", Fill: config.WithKeyTables}) }
