"""Generates testdata/vectors.json by running every language's sample over
the cases of cases.py, and fails unless all languages agree byte for byte.

Usage: python3 testdata/gen/generate.py [--check]
With --check it fails if vectors.json would change instead of writing it.
"""
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # keep testdata/gen free of __pycache__
import cases  # noqa: E402

GEN = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(GEN, '..', 'vectors.json')

# name, command, required. Ruby and PHP are optional: skipped when missing.
# Java runs on a Latin-1 platform to show that getBytes(UTF_8) does not care.
LANGUAGES = [
    ('python', ['python3', 'sample.py'], True),
    ('node', ['node', 'sample.mjs'], True),
    ('java', ['java', '-Dfile.encoding=ISO-8859-1', 'Sample.java'], True),
    ('go', ['go', 'run', 'sample.go'], True),
    ('ruby', ['ruby', 'sample.rb'], False),
    ('php', ['php', 'sample.php'], False),
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
    connect, order = cases.connect_cases(), cases.order_cases()
    all_cases = connect + order
    names = [c['name'] for c in all_cases]
    if len(set(names)) != len(names):
        sys.exit('duplicate case names')

    results = {}
    for name, cmd, required in LANGUAGES:
        if shutil.which(cmd[0]) is None:
            if required:
                sys.exit('%s is required but %s is not on PATH' % (name, cmd[0]))
            print('skipping %s: %s not on PATH' % (name, cmd[0]), file=sys.stderr)
            continue
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
        print('testdata/vectors.json is up to date', file=sys.stderr)
        return
    with open(OUT, 'w') as f:
        f.write(text)
    print('wrote testdata/vectors.json: %d connect, %d order cases from %s'
          % (len(connect), len(order), ', '.join(results)), file=sys.stderr)


if __name__ == '__main__':
    main()
