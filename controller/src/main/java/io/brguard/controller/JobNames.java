package io.brguard.controller;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Job names are deterministic; one longer than 63 characters (a label value limit) is cut and given a hash. */
final class JobNames {

    private JobNames() {
    }

    static String fit(String name) {
        if (name.length() <= 63) {
            return name;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            String hash = HexFormat.of().formatHex(h, 0, 4);
            return name.substring(0, 54).replaceAll("-+$", "") + "-" + hash;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
