package io.brguard.policy;

/** The admission operations brguard decides on. */
public enum Operation {
    CREATE, UPDATE, DELETE
}
