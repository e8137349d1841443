<?php
// The seed's PHP sample, parameterized by key and message.
// Protocol: see sample.py. PHP strings are bytes, so hex2bin gives the
// exact UTF-8 bytes.

function connect_digest($hmacKey, $integrationId, $connectionId) {
    // Seed sample, verbatim apart from the parameters.
    $message = $integrationId . ':' . $connectionId;
    $digest = hash_hmac('sha256', $message, $hmacKey);
    return $digest;
}

function order_signature($secret, $orderdata) {
    // The order seed's steps: UTF-8 bytes, HMAC-SHA256, standard base64.
    return base64_encode(hash_hmac('sha256', $orderdata, $secret, true));
}

foreach (explode("\n", stream_get_contents(STDIN)) as $line) {
    if ($line === '') {
        continue;
    }
    $fields = explode("\t", $line);
    $scheme = array_shift($fields);
    $args = array_map('hex2bin', $fields);
    echo ($scheme === 'connect' ? connect_digest(...$args) : order_signature(...$args)), "\n";
}
