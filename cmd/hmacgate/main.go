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

// command is one entry of a dispatch table.
type command struct {
	name    string
	summary string
	run     func(e *env, args []string) int
}

// commands is the dispatch table, in the order `hmacgate help` lists it.
// A new subcommand adds one line here and one file of its own, e.g.
//
//	{"serve", "run the platform server", runServe},
var commands = []command{
	{"keygen", "print a new random key (hgk_…)", runKeygen},
	{"sign", "sign connect IDs or orderdata: sign connect | sign order", group("sign", signCommands)},
	{"verify", "verify a connect digest or a signed order body: verify connect | verify order", group("verify", verifyCommands)},
	{"serve", "run the platform server (API, connect gate, SDK, metrics)", runServe},
	{"admin", "administer a server's state: admin reset-token | reseal | backup", group("admin", adminCommands)},
	{"proxy", "run a verifying reverse proxy in front of an order-receiving application", runProxy},
}

var signCommands = []command{
	{"connect", "print the hex digest of <integration>:<connection>", runSignConnect},
	{"order", "print the base64 signature of orderdata, or the whole form body", runSignOrder},
}

var verifyCommands = []command{
	{"connect", "check an hmac digest of <integration>:<connection>", runVerifyConnect},
	{"order", "check a signed order form body and print the order", runVerifyOrder},
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
			return c.run(e, args[1:])
		}
	}
	return e.usageError("hmacgate", "unknown command %q", args[0])
}

// group returns a command that dispatches to subs by its first argument.
func group(name string, subs []command) func(e *env, args []string) int {
	return func(e *env, args []string) int {
		if len(args) == 0 {
			printGroup(e.stderr, name, subs)
			return exitUsage
		}
		switch args[0] {
		case "-h", "-help", "--help", "help":
			printGroup(e.stdout, name, subs)
			return exitOK
		}
		for _, c := range subs {
			if c.name == args[0] {
				return c.run(e, args[1:])
			}
		}
		return e.usageError("hmacgate "+name, "unknown command %q", name+" "+args[0])
	}
}

func printGroup(w io.Writer, name string, subs []command) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: hmacgate %s <scheme> [flags]\n\nSchemes:\n", name)
	for _, c := range subs {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(&b, "\nRun 'hmacgate %s <scheme> --help' for the flags and a working example.\n", name)
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
