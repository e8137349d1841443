// Command hmacgate signs and verifies the two HMAC schemes of the hmacgate
// library from the command line: connect authorization digests and signed
// order launches.
//
//	hmacgate keygen
//	hmacgate sign connect  --key-file F --integration I --connection C
//	hmacgate verify connect --key-file F [--key-file F2 …] --integration I --connection C --hmac DIGEST
//	hmacgate sign order    --secret-file F --orderdata-file D [--form]
//	hmacgate verify order  --secret-file F [--secret-file F2 …] --body-file B [--now T] [--expect installationId=V] [--explain]
//
// Exit codes: 0 success (signed, or valid); 1 a verifier refused (the digest
// or the order is not valid); 2 usage or input error (bad flags, unreadable
// or oversized files, empty keys, or IDs/orderdata the signer cannot sign).
//
// This file only dispatches: every subcommand lives in its own file.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes shared by every subcommand.
const (
	exitOK      = 0 // success: signed, or verified as valid
	exitRefused = 1 // a verifier refused the input
	exitUsage   = 2 // usage or input error: nothing was verified or signed
)

// env is what a subcommand may touch of the outside world. Tests run [Main]
// in-process with their own env.
type env struct {
	// ctx is canceled when the command should stop. It is
	// context.Background() here; long-running commands (serve, proxy) derive
	// their own signal-aware context from it.
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string

	stdinUsed string // the flag that consumed stdin ("-"), if any
}

// command is one entry of a dispatch table: a subcommand that runs, or a
// group that dispatches to subcommands of its own.
type command struct {
	name    string
	summary string
	run     func(e *env, args []string) int // nil for a group
	group   *group
}

// group is a command whose first argument names one of its subcommands.
type group struct {
	name    string // "sign"
	noun    string // what its subcommands are, for its --help: "scheme" or "command"
	example string // shell lines that work as written, like spec.example
	subs    []command
}

// commands is the dispatch table, in the order `hmacgate help` lists it.
// A new subcommand adds one line here and one file of its own, e.g.
//
//	{name: "serve", summary: "run the platform server", run: runServe},
var commands = []command{
	{name: "keygen", summary: "print a new random key (hgk_…)", run: runKeygen},
	{name: "sign", summary: "sign connect IDs or orderdata: sign connect | sign order", group: signGroup},
	{name: "verify", summary: "verify a connect digest or a signed order body: verify connect | verify order", group: verifyGroup},
	{name: "serve", summary: "run the platform server (API, connect gate, SDK, metrics)", run: runServe},
	{name: "admin", summary: "administer a server's state: admin reset-token | reseal | backup", group: adminGroup},
	{name: "proxy", summary: "run a verifying reverse proxy in front of an order-receiving application", run: runProxy},
}

var signGroup = &group{
	name: "sign",
	noun: "scheme",
	subs: []command{
		{name: "connect", summary: "print the hex digest of <integration>:<connection>", run: runSignConnect},
		{name: "order", summary: "print the base64 signature of orderdata, or the whole form body", run: runSignOrder},
	},
	example: `  $ hmacgate keygen > key.txt
  $ hmacgate sign connect --key-file key.txt --integration github --connection user-1
  …
  $ printf '{"hmacTimestamp":1764151200000,"installationId":"inst-1"}' > order.json
  $ hmacgate sign order --secret-file key.txt --orderdata-file order.json
  …=`,
}

var verifyGroup = &group{
	name: "verify",
	noun: "scheme",
	subs: []command{
		{name: "connect", summary: "check an hmac digest of <integration>:<connection>", run: runVerifyConnect},
		{name: "order", summary: "check a signed order form body and print the order", run: runVerifyOrder},
	},
	example: `  $ hmacgate keygen > key.txt
  $ hmacgate verify connect --key-file key.txt --integration github --connection user-1 --hmac "$(hmacgate sign connect --key-file key.txt --integration github --connection user-1)"
  valid (key #0)
  $ printf '{"hmacTimestamp":1764151200000,"installationId":"inst-1"}' > order.json
  $ hmacgate sign order --secret-file key.txt --orderdata-file order.json --form > body.txt
  $ hmacgate verify order --secret-file key.txt --body-file body.txt --now 1764151203000 --expect installationId=inst-1 > order.out.json`,
}

func main() {
	os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// Main runs hmacgate with the given arguments (without the program name) and
// returns the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	e := &env{ctx: context.Background(), stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	return e.dispatch(args)
}

func (e *env) dispatch(args []string) int {
	if len(args) == 0 {
		printCommands(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return e.help(args[1:])
	}
	for _, c := range commands {
		if c.name == args[0] {
			if c.group != nil {
				return e.runGroup(c.group, args[1:])
			}
			return c.run(e, args[1:])
		}
	}
	return e.usageError("hmacgate", "unknown command %q", args[0])
}

// runGroup dispatches to the subcommand of g named by the first argument.
func (e *env) runGroup(g *group, args []string) int {
	if len(args) == 0 {
		printGroup(e.stderr, g)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		printGroup(e.stdout, g)
		return exitOK
	}
	for _, c := range g.subs {
		if c.name == args[0] {
			return c.run(e, args[1:])
		}
	}
	return e.usageError("hmacgate "+g.name, "unknown command %q", g.name+" "+args[0])
}

// printGroup writes the --help of a group: its subcommands and an example.
func printGroup(w io.Writer, g *group) {
	var b strings.Builder
	title := strings.ToUpper(g.noun[:1]) + g.noun[1:] + "s"
	fmt.Fprintf(&b, "Usage: hmacgate %s <%s> [flags]\n\n%s:\n", g.name, g.noun, title)
	width := 0
	for _, c := range g.subs {
		width = max(width, len(c.name))
	}
	for _, c := range g.subs {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintf(&b, "\nRun 'hmacgate %s <%s> --help' for the flags and a working example.\n", g.name, g.noun)
	fmt.Fprintf(&b, "\nExample:\n%s\n", g.example)
	_, _ = io.WriteString(w, b.String())
}

// help runs "hmacgate help [command …]". It is not in the table because it
// dispatches through the table.
func (e *env) help(args []string) int {
	if len(args) == 0 {
		printCommands(e.stdout)
		return exitOK
	}
	// "help sign order" is "sign order --help".
	return e.dispatch(append(append([]string(nil), args...), "--help"))
}

func printCommands(w io.Writer) {
	var b strings.Builder
	b.WriteString("hmacgate signs and verifies HMAC-authenticated integrations.\n\nUsage: hmacgate <command> [arguments]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(&b, "  %-8s %s\n", "help", "show this list, or the help of a command")
	b.WriteString(`
Run 'hmacgate <command> --help' for the flags and a working example.

Exit codes: 0 success, 1 refused by the verifier, 2 usage or input error.
`)
	_, _ = io.WriteString(w, b.String())
}
