package io.brguard.controller;

/**
 * The few fields of BR's {@code backupmeta} (protobuf {@code backup.BackupMeta}, pingcap/kvproto proto/brpb.proto)
 * that status needs: cluster_id (1), start_version (5), end_version (6), and the archive size. A snapshot has
 * end_version > 0; a log backup's backupmeta has end_version 0 ("the storage has been used for full backup"
 * otherwise). The archive size is what TiDB Operator v2 reports as backupSize (cmd/tidb-backup-manager/app/util/
 * util.go {@code GetBRArchiveSize}): backup_size (25) when BR wrote it, else the encoded size of the backupmeta
 * plus the size (11) of every entry of the v1 scheme's files (4). Read with a minimal protobuf wire-format reader
 * rather than generated classes for a handful of integers.
 */
public record BackupMetaFile(long clusterId, long startVersion, long endVersion, long archiveSize) {

    /** A backupmeta without backup_size (tests write fixtures with it; its archive size is its own length). */
    public BackupMetaFile(long clusterId, long startVersion, long endVersion) {
        this(clusterId, startVersion, endVersion, 0);
    }

    public boolean isSnapshot() {
        return endVersion != 0;
    }

    /** Parses the protobuf; throws IllegalArgumentException on bytes that are not a BackupMeta (e.g. encrypted). */
    public static BackupMetaFile parse(byte[] b) {
        long cluster = 0;
        long start = 0;
        long end = 0;
        long backupSize = 0;
        long files = 0;
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
                        case 25 -> backupSize = v;
                        default -> { }
                    }
                }
                case 1 -> skip(b, pos, 8);
                case 2 -> {
                    int length = length(b, pos);
                    if (field == 4) {
                        files += fileSize(b, pos[0], pos[0] + length);
                    }
                    skip(b, pos, length);
                }
                case 5 -> skip(b, pos, 4);
                default -> throw new IllegalArgumentException("not a BackupMeta: wire type " + wire + " at byte " + pos[0]);
            }
        }
        return new BackupMetaFile(cluster, start, end, backupSize != 0 ? backupSize : b.length + files);
    }

    /** The size (11) of one {@code backup.File} in b[from, to). */
    private static long fileSize(byte[] b, int from, int to) {
        byte[] file = java.util.Arrays.copyOfRange(b, from, to);
        int[] pos = {0};
        long size = 0;
        while (pos[0] < file.length) {
            long key = varint(file, pos);
            switch ((int) (key & 7)) {
                case 0 -> {
                    long v = varint(file, pos);
                    if ((key >>> 3) == 11) {
                        size = v;
                    }
                }
                case 1 -> skip(file, pos, 8);
                case 2 -> skip(file, pos, length(file, pos));
                case 5 -> skip(file, pos, 4);
                default -> throw new IllegalArgumentException("not a BackupMeta: wire type " + (key & 7) + " in a file entry");
            }
        }
        return size;
    }

    private static int length(byte[] b, int[] pos) {
        long n = varint(b, pos);
        if (n < 0 || n > b.length - pos[0]) {
            throw new IllegalArgumentException("not a BackupMeta: field runs past the end");
        }
        return (int) n;
    }

    /** Encodes the fields, backup_size when the archive size is not 0 (tests write fixtures with it). */
    public byte[] encode() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        field(out, 1, clusterId);
        field(out, 5, startVersion);
        field(out, 6, endVersion);
        if (archiveSize != 0) {
            field(out, 25, archiveSize);
        }
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
