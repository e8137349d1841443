# The seed's Python sample, parameterized by key and message.
#
# Protocol (shared by every sample program): each stdin line is
#   connect <TAB> hex(key) <TAB> hex(integration) <TAB> hex(connection)
#   order   <TAB> hex(secret) <TAB> hex(orderdata)
# with hex of the exact UTF-8 bytes; one result is printed per line.
import base64
import hashlib
import hmac
import sys


def text(h):
    return bytes.fromhex(h).decode('utf-8')


def connect_digest(hmac_key, integration_id, connection_id):
    # Seed sample, verbatim apart from the parameters.
    message = integration_id + ':' + connection_id
    digest = hmac.new(hmac_key.encode('utf-8'), msg=message.encode('utf-8'), digestmod=hashlib.sha256).hexdigest()
    return digest


def order_signature(secret, orderdata):
    # The order seed's steps: UTF-8 bytes, HMAC-SHA256, standard base64.
    mac = hmac.new(secret.encode('utf-8'), msg=orderdata.encode('utf-8'), digestmod=hashlib.sha256).digest()
    return base64.b64encode(mac).decode('ascii')


for line in sys.stdin.read().split('\n'):
    if not line:
        continue
    scheme, *fields = line.split('\t')
    args = [text(f) for f in fields]
    print(connect_digest(*args) if scheme == 'connect' else order_signature(*args))
