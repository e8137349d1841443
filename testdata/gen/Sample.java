// The seed's Java sample, parameterized by key and message.
// Protocol: see sample.py. Run as `java Sample.java [platform-charset]`.
//
// The seed calls bare getBytes(), which encodes with the platform charset
// (file.encoding). This program uses getBytes(StandardCharsets.UTF_8) unless
// its argument is "platform-charset", in which case it reproduces the seed
// exactly, to record what the seed computes on a non-UTF-8 platform.
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

public class Sample {
    static boolean platformCharset;

    static byte[] bytes(String s) {
        return platformCharset ? s.getBytes() : s.getBytes(StandardCharsets.UTF_8);
    }

    static String connectDigest(String hmacKey, String integrationId, String connectionId) throws Exception {
        // Seed sample, verbatim apart from the parameters and bytes().
        String message = integrationId + ":" + connectionId;
        Mac hmac = Mac.getInstance("HmacSHA256");
        SecretKeySpec secret_key = new SecretKeySpec(bytes(hmacKey), "HmacSHA256");
        hmac.init(secret_key);
        byte[] digestBytes = hmac.doFinal(bytes(message));
        StringBuilder hexString = new StringBuilder();
        for (byte b : digestBytes) {
            String hex = Integer.toHexString(0xff & b);
            if (hex.length() == 1) hexString.append('0');
            hexString.append(hex);
        }
        String digest = hexString.toString();
        return digest;
    }

    static String orderSignature(String secret, String orderdata) throws Exception {
        // The order seed's steps: UTF-8 bytes, HMAC-SHA256, standard base64.
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(bytes(secret), "HmacSHA256"));
        return Base64.getEncoder().encodeToString(hmac.doFinal(bytes(orderdata)));
    }

    static String text(String hex) {
        byte[] b = new byte[hex.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        platformCharset = args.length > 0 && args[0].equals("platform-charset");
        if (platformCharset) {
            System.err.println("platform charset: " + Charset.defaultCharset());
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isEmpty()) continue;
            String[] f = line.split("\t", -1);
            out.append(f[0].equals("connect")
                    ? connectDigest(text(f[1]), text(f[2]), text(f[3]))
                    : orderSignature(text(f[1]), text(f[2])));
            out.append('\n');
        }
        System.out.print(out);
    }
}
