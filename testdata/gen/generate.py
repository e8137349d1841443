"""Generates testdata/vectors.json by running every language's sample over
the cases of cases.py, and fails unless all languages agree byte for byte.

Usage: python3 testdata/gen/generate.py [--check | --list]
With --check it fails if vectors.json would change instead of writing it.
With --list it prints each language and the program it runs, one per line
(name, a tab, the command), and runs nothing: vectors_test.go reads it to
know which toolchains the check needs.

Every language listed is required: a missing toolchain is an error, never a
silent skip (scripts/install-toolchains.sh installs them). Rust and C# are
not listed: their toolchains cannot be installed on the machines that run
the tests (see docs/vectors.md).
"""
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # keep testdata/gen free of __pycache__
import cases  # noqa: E402
import snippets  # noqa: E402

GEN = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(GEN, '..', 'vectors.json')

# name, command. Java runs on a Latin-1 platform to show that
# getBytes(UTF_8) does not care.
LANGUAGES = [
    ('python', ['python3', 'sample.py']),
    ('node', ['node', 'sample.mjs']),
    ('java', ['java', '-Dfile.encoding=ISO-8859-1', 'Sample.java']),
    ('go', ['go', 'run', 'sample.go']),
    ('ruby', ['ruby', 'sample.rb']),
    ('php', ['php', 'sample.php']),
]
# The seed's Java sample as written (bare getBytes()) on a Latin-1 platform.
JAVA_PLATFORM = ['java', '-Dfile.encoding=ISO-8859-1', 'Sample.java', 'platform-charset']


def hx(s):
    return s.encode('utf-8').hex()


def line(c):
    if 'connection' in c:
        return '\t'.join(['connect', hx(c['key']), hx(c['integration']), hx(c['connection'])])
    return '\t'.join(['order', hx(c['secret']), hx(c['orderdata'])])


def run(cmd, all_cases):
    stdin = ''.join(line(c) + '\n' for c in all_cases)
    p = subprocess.run(cmd, cwd=GEN, input=stdin.encode('ascii'), capture_output=True)
    if p.returncode != 0:
        sys.exit('%s failed:\n%s' % (' '.join(cmd), p.stderr.decode(errors='replace')))
    out = p.stdout.decode('ascii').split('\n')
    if out[-1] != '' or len(out) - 1 != len(all_cases):
        sys.exit('%s printed %d results for %d cases' % (' '.join(cmd), len(out) - 1, len(all_cases)))
    return out[:-1]


def non_ascii(c):
    return any(not v.isascii() for k, v in c.items() if k != 'name')


def main():
    if '--list' in sys.argv[1:]:
        for name, cmd in LANGUAGES:
            print('%s\t%s' % (name, ' '.join(cmd)))
        return
    missing = [cmd[0] for _, cmd in LANGUAGES if shutil.which(cmd[0]) is None]
    if missing:
        sys.exit('not on PATH: %s (every language is required; run bash scripts/install-toolchains.sh)'
                 % ', '.join(missing))

    connect, order = cases.connect_cases(), cases.order_cases()
    all_cases = connect + order
    names = [c['name'] for c in all_cases]
    if len(set(names)) != len(names):
        sys.exit('duplicate case names')

    results = {}
    for name, cmd in LANGUAGES:
        results[name] = run(cmd, all_cases)
        print('%s: %d cases' % (name, len(results[name])), file=sys.stderr)

    first = next(iter(results))
    agree = True
    for i, c in enumerate(all_cases):
        for lang, out in results.items():
            if out[i] != results[first][i]:
                agree = False
                print('DISAGREE %s: %s=%s %s=%s' % (c['name'], lang, out[i], first, results[first][i]),
                      file=sys.stderr)
    if not agree:
        sys.exit('languages disagree; vectors.json not written')

    wrong = run(JAVA_PLATFORM, all_cases)
    for i, c in enumerate(all_cases):
        field = 'digest' if 'connection' in c else 'signature'
        c[field] = results[first][i]
        if non_ascii(c):
            if wrong[i] == c[field]:
                sys.exit('%s: Java platform charset gave the UTF-8 result; is file.encoding honored?' % c['name'])
            c['java_platform_charset_' + field] = wrong[i]

    # The README's snippets, as written, must agree too (and the README must
    # say which languages are checked).
    readme_checked = snippets.check(connect, line)

    vectors = {
        'description': 'HMAC-SHA256 vectors computed by the seeds\' code samples in every language '
                       'listed in generated_by, which agreed byte for byte. Regenerate with '
                       'bash testdata/gen/generate.sh; see docs/vectors.md.',
        'generated_by': list(results),
        'connect': connect,
        'order': order,
    }
    text = json.dumps(vectors, indent=2, ensure_ascii=True) + '\n'
    if '--check' in sys.argv[1:]:
        with open(OUT) as f:
            if f.read() != text:
                sys.exit('testdata/vectors.json is out of date; run bash testdata/gen/generate.sh')
        print('testdata/vectors.json is up to date; README snippets agree: %s' % ', '.join(readme_checked),
              file=sys.stderr)
        return
    with open(OUT, 'w') as f:
        f.write(text)
    print('wrote testdata/vectors.json: %d connect, %d order cases from %s; README snippets agree: %s'
          % (len(connect), len(order), ', '.join(results), ', '.join(readme_checked)), file=sys.stderr)


if __name__ == '__main__':
    main()
