package io.brguard.controller;

/**
 * The few fields of BR's {@code backupmeta} (protobuf {@code backup.BackupMeta}, kvproto brpb.proto) that status
 * needs: cluster_id (1), start_version (5), end_version (6). A snapshot has end_version > 0; a log backup's
 * backupmeta has end_version 0 ("the storage has been used for full backup" otherwise). Read with a minimal
 * protobuf wire-format reader rather than generated classes for three integers.
 */
public record BackupMetaFile(long clusterId, long startVersion, long endVersion) {

    public boolean isSnapshot() {
        return endVersion != 0;
    }

    /** Parses the protobuf; throws IllegalArgumentException on bytes that are not a BackupMeta (e.g. encrypted). */
    public static BackupMetaFile parse(byte[] b) {
        long cluster = 0;
        long start = 0;
        long end = 0;
        int[] pos = {0};
        while (pos[0] < b.length) {
            long key = varint(b, pos);
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            switch (wire) {
                case 0 -> {
                    long v = varint(b, pos);
                    switch (field) {
                        case 1 -> cluster = v;
                        case 5 -> start = v;
                        case 6 -> end = v;
                        default -> { }
                    }
                }
                case 1 -> skip(b, pos, 8);
                case 2 -> skip(b, pos, (int) varint(b, pos));
                case 5 -> skip(b, pos, 4);
                default -> throw new IllegalArgumentException("not a BackupMeta: wire type " + wire + " at byte " + pos[0]);
            }
        }
        return new BackupMetaFile(cluster, start, end);
    }

    /** Encodes the three fields (tests write fixtures with it). */
    public byte[] encode() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        field(out, 1, clusterId);
        field(out, 5, startVersion);
        field(out, 6, endVersion);
        return out.toByteArray();
    }

    private static void field(java.io.ByteArrayOutputStream out, int field, long v) {
        writeVarint(out, (long) field << 3);
        writeVarint(out, v);
    }

    private static void writeVarint(java.io.ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long varint(byte[] b, int[] pos) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= b.length) {
                throw new IllegalArgumentException("not a BackupMeta: truncated varint");
            }
            byte x = b[pos[0]++];
            result |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("not a BackupMeta: varint too long");
    }

    private static void skip(byte[] b, int[] pos, int n) {
        if (n < 0 || pos[0] + n > b.length) {
            throw new IllegalArgumentException("not a BackupMeta: field runs past the end");
        }
        pos[0] += n;
    }
}
