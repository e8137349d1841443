"""The inputs of the cross-language test vectors.

Each case is a dict: connect cases have name, key, integration, connection;
order cases have name, secret, orderdata. Outputs are added by generate.py.
Names are stable: vectors_test.go refers to some of them.
"""
import base64
import hashlib
import hmac
import json
import unicodedata


def pattern(n):
    """An ASCII key of exactly n bytes."""
    return ('abcdefghijklmnopqrstuvwxyz0123456789' * 8)[:n]


def search(make, accept, limit=100000):
    """The first make(i) whose HMAC output is accepted. The search uses
    Python's hmac only to pick an input; every language then signs it."""
    for i in range(limit):
        case = make(i)
        if accept(case):
            return case
    raise SystemExit('search found nothing for %r' % make(0)['name'])


def hexdigest(c):
    msg = (c['integration'] + ':' + c['connection']).encode('utf-8')
    return hmac.new(c['key'].encode('utf-8'), msg, hashlib.sha256).hexdigest()


def b64signature(c):
    mac = hmac.new(c['secret'].encode('utf-8'), c['orderdata'].encode('utf-8'), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode('ascii')


KEY = 'test-hmac-key-for-cross-language-vectors'
# A generated-style key: "hgk_" + 43 unpadded base64url chars (32 bytes).
HGK = 'hgk_' + base64.urlsafe_b64encode(hashlib.sha256(b'hmacgate vectors').digest()).decode().rstrip('=')
# A secret that looks like base64 but is used as text, as the seeds do.
SECRET = base64.b64encode(hashlib.sha256(b'hmacgate order secret').digest()).decode()


def conn(name, connection, key=KEY, integration='github'):
    return {'name': name, 'key': key, 'integration': integration, 'connection': connection}


def connect_cases():
    hakon = 'h\u00e5kon-\u00e5sen'  # U+00E5 decomposes (a + U+030A); U+00F8 does not
    return [
        conn('ascii', 'user-1234'),
        conn('key-1-byte', 'user-1234', key='k'),
        conn('key-63-bytes', 'user-1234', key=pattern(63)),
        conn('key-64-bytes-block-size', 'user-1234', key=pattern(64)),
        conn('key-65-bytes-hashed', 'user-1234', key=pattern(65)),
        conn('key-200-bytes', 'user-1234', key=pattern(200)),
        conn('key-non-ascii', 'user-1234', key='n\u00f8kkel-\u00e6\u00f8\u00e5-\u00c6\u00d8\u00c5-\U0001f511'),
        conn('key-generated-style', 'user-1234', key=HGK),
        conn('key-not-trimmed', 'user-1234', key=' padded key\t\n'),
        conn('connection-norwegian', 'bj\u00f8rn-\u00f8deg\u00e5rd-\u00c6\u00d8\u00c5'),
        conn('connection-emoji', 'user-\U0001f600-\U0001f680'),
        conn('connection-nfc', unicodedata.normalize('NFC', hakon)),
        conn('connection-nfd', unicodedata.normalize('NFD', hakon)),
        conn('connection-with-colons', 'tenant:42:user:7', integration='salesforce'),
        conn('connection-long', 'x' * 300),
        search(lambda i: conn('digest-leading-zero-byte', 'conn-%d' % i),
               lambda c: hexdigest(c).startswith('00')),
    ]


def order_json(**changes):
    order = {
        'hmacTimestamp': 1718026800000,
        'currentUserId': '7c1e2f0a-93b4-4d6e-8a21-5f0c9d3e4b12',
        'currentUserEmail': 'bjorn.odegard@megler.example',
        'currentUserName': 'Bj\u00f8rn \u00d8deg\u00e5rd',
        'correlationId': 'c0ffee00-1234-4abc-9def-0123456789ab',
        'orderUrl': 'https://partner.example/orders/new?estate=E-55012',
        'installationId': 'inst-0042',
        'orderId': 'ORD-2024-000917',
        'estateId': 'E-55012',
        'departmentId': 'DEP-311',
        'departmentOrganizationNumber': '987654321',
    }
    order.update(changes)
    return order


def compact(obj, ascii_only=False):
    return json.dumps(obj, separators=(',', ':'), ensure_ascii=ascii_only)


def order(name, orderdata, secret=SECRET):
    return {'name': name, 'secret': secret, 'orderdata': orderdata}


def order_cases():
    full = order_json()
    hakon = 'H\u00e5kon \u00c5sen'
    return [
        order('order-full', compact(full)),
        order('order-escaped-u00f8', compact(full, ascii_only=True)),
        order('order-escaped-slashes', compact(full).replace('/', '\\/')),
        order('order-pretty-printed', json.dumps(full, indent=2, ensure_ascii=False)),
        order('order-name-nfc', compact(order_json(currentUserName=unicodedata.normalize('NFC', hakon)))),
        order('order-name-nfd', compact(order_json(currentUserName=unicodedata.normalize('NFD', hakon)))),
        order('order-emoji', compact(order_json(currentUserName='Bj\u00f8rn \U0001f3e0 \u00d8deg\u00e5rd'))),
        order('order-secret-non-ascii', compact(full), secret='hemmelig-n\u00f8kkel-\u00e6\u00f8\u00e5'),
        order('order-secret-generated-style', compact(full), secret=HGK),
        search(lambda i: order('order-signature-plus-slash', compact({'orderId': 'ORD-%d' % i})),
               lambda c: '+' in b64signature(c) and '/' in b64signature(c)),
    ]
