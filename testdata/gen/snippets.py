"""Runs the README's connect-digest snippets ("## The connect digest in other
languages") as written, each wrapped in a small program of its language,
over the connect cases, and checks the section's own account of itself.

generate.py calls check() after the samples agreed; it fails unless

- every snippet with a runner below computes the digest of every case;
- the section's "Checked by `make test`: …" sentence names exactly the
  languages run here, and its "Not checked: …" sentence exactly the others.

The runners feed the same protocol as the samples (hex of the exact UTF-8
bytes on stdin, one digest per line on stdout).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

GEN = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(GEN, '..', '..', 'README.md')
SECTION = '## The connect digest in other languages'


def indent(code, n, pad=' '):
    return '\n'.join(pad * n + l if l else l for l in code.split('\n'))


def python(code):
    return 'py', ['python3', 'snippet.py'], '''import sys
def text(h):
    return bytes.fromhex(h).decode('utf-8')
for line in sys.stdin.read().split('\\n'):
    if not line:
        continue
    hmac_key, integration_id, connection_id = [text(f) for f in line.split('\\t')[1:]]
%s
    print(digest)
''' % indent(code, 4)


def node(code):
    return 'cjs', ['node', 'snippet.cjs'], '''const text = (h) => Buffer.from(h, 'hex').toString('utf8');
const out = [];
for (const line of require('node:fs').readFileSync(0, 'utf8').split('\\n')) {
  if (line === '') continue;
  const [hmacKey, integrationId, connectionId] = line.split('\\t').slice(1).map(text);
  {
%s
    out.push(digest);
  }
}
process.stdout.write(out.map((s) => s + '\\n').join(''));
''' % indent(code, 4)


def java(code):
    # On a Latin-1 platform, like the Java sample: the snippet must not care.
    return 'java', ['java', '-Dfile.encoding=ISO-8859-1', 'Snippet.java'], '''import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

public class Snippet {
    static String text(String h) {
        return new String(HexFormat.of().parseHex(h), StandardCharsets.UTF_8);
    }

    static String snippet(String hmacKey, String integrationId, String connectionId) throws Exception {
%s
        return digest;
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        StringBuilder out = new StringBuilder();
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isEmpty()) continue;
            String[] f = line.split("\\t", -1);
            out.append(snippet(text(f[1]), text(f[2]), text(f[3]))).append('\\n');
        }
        System.out.write(out.toString().getBytes(StandardCharsets.US_ASCII));
        System.out.flush();
    }
}
''' % indent(code, 8)


def ruby(code):
    return 'rb', ['ruby', 'snippet.rb'], '''$stdin.read.split("\\n").each do |line|
  next if line.empty?
  hmac_key, integration_id, connection_id = line.split("\\t", -1)[1..].map { |f| [f].pack('H*').force_encoding('UTF-8') }
%s
  puts digest
end
''' % indent(code, 2)


def php(code):
    return 'php', ['php', 'snippet.php'], '''<?php
function snippet($hmacKey, $integrationId, $connectionId) {
%s
    return $digest;
}
foreach (explode("\\n", stream_get_contents(STDIN)) as $line) {
    if ($line === '') {
        continue;
    }
    $f = array_map('hex2bin', array_slice(explode("\\t", $line), 1));
    echo snippet(...$f), "\\n";
}
''' % indent(code, 4)


def go(code):
    # Built inside the module (a directory go's ./... patterns ignore), so
    # that it imports the hmacgate under test.
    return 'go', ['go', 'run', 'snippet.go'], '''package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
)

func text(h string) string {
	b, err := hex.DecodeString(h)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if sc.Text() == "" {
			continue
		}
		f := strings.Split(sc.Text(), "\\t")
		hmacKey, integrationID, connectionID := text(f[1]), text(f[2]), text(f[3])
%s
		if err != nil {
			panic(err)
		}
		fmt.Println(digest)
	}
}
''' % indent(code, 2, '\t')


RUNNERS = {'Node': node, 'Python': python, 'Java': java, 'Ruby': ruby, 'PHP': php, 'Go': go}


def section():
    with open(README, encoding='utf-8') as f:
        text = f.read()
    if SECTION not in text:
        sys.exit('README.md has no "%s" section' % SECTION)
    body = text.split(SECTION, 1)[1]
    return body.split('\n## ', 1)[0]


def names(sentence):
    """'Node, Python and PHP' -> ['Node', 'Python', 'PHP']"""
    return [n.strip() for n in re.split(r',|\band\b', sentence) if n.strip()]


def listed(body, lead):
    m = re.search(re.escape(lead) + r'\s*([^.;(]*)', ' '.join(body.split()))
    if not m:
        sys.exit('README.md: the "%s" section has no "%s" sentence' % (SECTION, lead))
    return names(m.group(1))


def snippets(body):
    """[(language, code)] in README order: a **Language** line, then a fenced block."""
    out = []
    for m in re.finditer(r'^\*\*([^*]+)\*\*[^\n]*\n```[a-z]*\n(.*?)\n```', body, re.M | re.S):
        out.append((m.group(1), m.group(2)))
    return out


def run(lang, make, code, stdin):
    ext, cmd, program = make(code)
    if shutil.which(cmd[0]) is None:
        sys.exit('README %s snippet: %s is not on PATH' % (lang, cmd[0]))
    d = tempfile.mkdtemp(prefix='_snippet-', dir=GEN)
    try:
        with open(os.path.join(d, cmd[-1]), 'w', encoding='utf-8') as f:
            f.write(program)
        p = subprocess.run(cmd, cwd=d, input=stdin.encode('ascii'), capture_output=True)
    finally:
        shutil.rmtree(d)
    if p.returncode != 0:
        sys.exit('README %s snippet failed (%s):\n%s' % (lang, ' '.join(cmd), p.stderr.decode(errors='replace')))
    return p.stdout.decode('ascii').split('\n')[:-1]


def check(connect_cases, line):
    """Runs every snippet over connect_cases (each with its 'digest') and
    returns the languages checked."""
    body = section()
    found = snippets(body)
    if not found:
        sys.exit('README.md: no snippets found in "%s"' % SECTION)
    stdin = ''.join(line(c) + '\n' for c in connect_cases)
    checked, unchecked = [], []
    for lang, code in found:
        make = RUNNERS.get(lang.split(' ')[0])
        if make is None:
            unchecked.append(lang)
            continue
        out = run(lang, make, code, stdin)
        if len(out) != len(connect_cases):
            sys.exit('README %s snippet printed %d digests for %d cases' % (lang, len(out), len(connect_cases)))
        bad = [c['name'] for c, d in zip(connect_cases, out) if d != c['digest']]
        if bad:
            sys.exit('README %s snippet disagrees on: %s' % (lang, ', '.join(bad)))
        checked.append(lang)
        print('README %s snippet: %d cases' % (lang, len(out)), file=sys.stderr)
    said_checked = listed(body, 'Checked by `make test`:')
    said_unchecked = listed(body, 'Not checked:')
    if sorted(said_checked) != sorted(checked) or sorted(said_unchecked) != sorted(unchecked):
        sys.exit('README.md says checked: %s; not checked: %s. In fact checked: %s; not checked: %s'
                 % (said_checked, said_unchecked, checked, unchecked))
    return checked
