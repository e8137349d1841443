package main

// Plumbing shared by the subcommands: flag parsing and help, error output
// and exit codes, reading files, keys and secrets.

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hmacgate/hmacgate"
)

// Size limits for inputs read from files or stdin.
const (
	keyFileLimit     = 64 << 10 // key and secret files
	defaultBodyLimit = 64 << 10 // orderdata and form bodies, like the form body limit of the server
)

// spec describes a subcommand for its --help.
type spec struct {
	name     string // "sign connect"
	synopsis string // the flags line after "hmacgate <name> "
	about    string // what it does, what it prints, exit codes
	example  string // shell lines that work as written, each prefixed by "$ "
}

// newFlags returns a flag set that reports errors to the caller instead of
// printing them or exiting.
func newFlags(s *spec) *flag.FlagSet {
	fs := flag.NewFlagSet("hmacgate "+s.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args. When it returns done, the command must return code:
// exitOK after --help, exitUsage after a usage error.
func (e *env) parse(s *spec, fs *flag.FlagSet, args []string) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(e.stdout, s, fs)
		return exitOK, true
	case err != nil:
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
			msg = "unknown flag " + name
		}
		return e.usageError("hmacgate "+s.name, "%s", msg), true
	case fs.NArg() > 0:
		return e.usageError("hmacgate "+s.name, "unexpected argument %q (every input is a flag)", fs.Arg(0)), true
	}
	return 0, false
}

// printUsage writes the --help of a subcommand: synopsis, description, flags
// and an example.
func printUsage(w io.Writer, s *spec, fs *flag.FlagSet) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: hmacgate %s %s\n\n%s\n\nFlags:\n", s.name, s.synopsis, strings.TrimSpace(s.about))
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(&b, "  --%s", f.Name)
		if arg != "" {
			b.WriteString(" " + arg)
		}
		b.WriteString("\n      " + strings.ReplaceAll(usage, "\n", "\n      "))
		switch f.DefValue {
		case "", "false", "0", "0s":
		default:
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteString("\n")
	})
	fmt.Fprintf(&b, "\nExample:\n%s\n", s.example)
	_, _ = io.WriteString(w, b.String())
}

// usageError reports a usage error and returns exitUsage.
func (e *env) usageError(cmd, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "error: usage: %s\nrun '%s --help' for usage\n", fmt.Sprintf(format, args...), cmd)
	return exitUsage
}

// inputError reports an input error (a file, a key, an environment
// variable) and returns exitUsage.
func (e *env) inputError(err error) int {
	fmt.Fprintf(e.stderr, "error: input: %s\n", err)
	return exitUsage
}

// refused reports a verifier's refusal and returns exitRefused.
func (e *env) refused(err error) int {
	e.printRefusal(err)
	return exitRefused
}

// cannotSign reports a refusal by a signing function (an ID or orderdata it
// cannot sign) and returns exitUsage: it is the input that is wrong.
func (e *env) cannotSign(err error) int {
	e.printRefusal(err)
	return exitUsage
}

// printRefusal prints "error: <code>: <message>". Refusal messages never hold
// a key, a secret or an expected MAC; other errors are not printed verbatim.
func (e *env) printRefusal(err error) {
	fmt.Fprintf(e.stderr, "error: %s: %s\n", hmacgate.ErrorCode(err), hmacgate.ErrorMessage(err))
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// keySource is where a key comes from: a file (or "-" for stdin) or an
// environment variable.
type keySource struct {
	flag  string // "key-file", "secret-env", …
	value string // the file name or the variable name
	env   bool
}

// keySources collects the --*-file and --*-env flags of keys in the order
// they are given: the first is the primary key.
type keySources []keySource

// keySourceFlag is the flag.Value of one kind of key source.
type keySourceFlag struct {
	list *keySources
	flag string
	env  bool
}

func (f keySourceFlag) String() string { return "" }

func (f keySourceFlag) Set(v string) error {
	if v == "" {
		if f.env {
			return errors.New("needs an environment variable name")
		}
		return errors.New("needs a file name")
	}
	*f.list = append(*f.list, keySource{flag: f.flag, value: v, env: f.env})
	return nil
}

// addKeyFlags defines --<noun>-file and --<noun>-env on fs. With many, the
// flags are repeatable and their order is the keyring's order.
func addKeyFlags(fs *flag.FlagSet, list *keySources, noun string, many bool) {
	fileUsage := "read the " + noun + " from `FILE` (its exact bytes, minus one trailing newline; - is stdin)"
	envUsage := "read the " + noun + " from environment variable `NAME` (its exact value)"
	if many {
		fileUsage += ";\nrepeat for retiring " + noun + "s: the first " + noun + " given (file or env) is the current one"
		envUsage += "; repeatable like --" + noun + "-file"
	}
	fs.Var(keySourceFlag{list, noun + "-file", false}, noun+"-file", fileUsage)
	fs.Var(keySourceFlag{list, noun + "-env", true}, noun+"-env", envUsage)
}

// loadKeys reads every key, in order. A key under hmacgate.MinKeyLen bytes
// is used but warned about; the warning never shows the key.
func (e *env) loadKeys(srcs keySources) ([]hmacgate.Key, error) {
	keys := make([]hmacgate.Key, 0, len(srcs))
	for _, src := range srcs {
		var s, where string
		if src.env {
			where = "environment variable " + src.value + " (--" + src.flag + ")"
			s = e.getenv(src.value)
			if s == "" {
				return nil, fmt.Errorf("%s is empty or unset", where)
			}
		} else {
			where = "--" + src.flag + " " + src.value
			b, err := e.readInput(src.flag, src.value, keyFileLimit)
			if err != nil {
				return nil, err
			}
			s = string(trimOneNewline(b))
			if s == "" {
				return nil, fmt.Errorf("%s is empty", where)
			}
		}
		k, err := hmacgate.ParseKey(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %s", where, hmacgate.ErrorMessage(err))
		}
		if k.Weak() {
			fmt.Fprintf(e.stderr, "warning: key is %d bytes; use at least %d (hmacgate keygen) [%s]\n", k.Len(), hmacgate.MinKeyLen, where)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// trimOneNewline removes one trailing "\n" or "\r\n": what an editor or
// `echo` adds to a key file. Anything else is part of the key.
func trimOneNewline(b []byte) []byte {
	if b, ok := bytes.CutSuffix(b, []byte("\r\n")); ok {
		return b
	}
	b, _ = bytes.CutSuffix(b, []byte("\n"))
	return b
}

// readInput reads a file named by flag --name, or stdin for "-", refusing
// more than limit bytes. Stdin can be read by one flag only.
func (e *env) readInput(name, path string, limit int64) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		if e.stdinUsed != "" {
			return nil, fmt.Errorf("--%s and --%s both read stdin (-); only one input can come from stdin", e.stdinUsed, name)
		}
		e.stdinUsed = name
		r = e.stdin
		path = "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", name, err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("--%s: reading %s: %w", name, path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("--%s %s is larger than the limit of %d bytes", name, path, limit)
	}
	return b, nil
}
