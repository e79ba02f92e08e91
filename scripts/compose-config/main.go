// compose-config parses, interpolates and validates a Compose file with
// compose-go, the loader behind `docker compose config`, and prints the
// resolved project. It stands in for `docker compose config` on machines
// whose Docker client has no compose plugin. Exit 1 when the file is invalid.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-config FILE...")
		os.Exit(2)
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "compose-config:", err)
		os.Exit(1)
	}
}

func run(files []string) error {
	options, err := cli.NewProjectOptions(files, cli.WithOsEnv, cli.WithDotEnv)
	if err != nil {
		return err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return err
	}
	resolved, err := project.MarshalYAML()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(resolved)
	return err
}
