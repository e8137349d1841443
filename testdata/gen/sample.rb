# The seed's Ruby sample, parameterized by key and message.
# Protocol: see sample.py.
require 'openssl'

def text(hex)
  [hex].pack('H*').force_encoding('UTF-8')
end

def connect_digest(hmac_key, integration_id, connection_id)
  # Seed sample, verbatim apart from the parameters.
  message = "#{integration_id}:#{connection_id}"
  digest = OpenSSL::HMAC.hexdigest('SHA256', hmac_key, message)
  digest
end

def order_signature(secret, orderdata)
  # The order seed's steps: UTF-8 bytes, HMAC-SHA256, standard base64.
  [OpenSSL::HMAC.digest('SHA256', secret, orderdata)].pack('m0') # strict base64
end

$stdin.read.split("\n").each do |line|
  next if line.empty?
  scheme, *fields = line.split("\t", -1)
  args = fields.map { |f| text(f) }
  puts(scheme == 'connect' ? connect_digest(*args) : order_signature(*args))
end
