// The statement mix of one validation on SQLite, against one SQLite library: the system's (libsqlite3) or the one
// sqlite-nio vendors (its symbols prefixed sqlite_nio_; built with -DVENDORED). See run.sh and docs/architecture.md.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef VENDORED
#include "sqlite_nio_sqlite3.h"
#define S(name) sqlite_nio_sqlite3_##name
#else
#include <sqlite3.h>
#define S(name) sqlite3_##name
#endif

static sqlite3 *db;
static void run(const char *sql) {
    char *err = NULL;
    if (S(exec)(db, sql, NULL, NULL, &err) != SQLITE_OK) { fprintf(stderr, "%s: %s\n", sql, err); exit(1); }
}
static sqlite3_stmt *prep(const char *sql) {
    sqlite3_stmt *s;
    if (S(prepare_v3)(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) { fprintf(stderr, "%s\n", S(errmsg)(db)); exit(1); }
    return s;
}
static void step(sqlite3_stmt *s) {
    int rc;
    while ((rc = S(step)(s)) == SQLITE_ROW) {}
    if (rc != SQLITE_DONE) { fprintf(stderr, "step: %s\n", S(errmsg)(db)); exit(1); }
    S(reset)(s);
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "bench.sqlite";
    int n = argc > 2 ? atoi(argv[2]) : 100000;
    remove(path);
#ifdef NO_MEMSTATUS
    // As SQLiteHandle does for the system library (LifelineSQLiteShim.c): no global allocation statistics.
    S(config)(SQLITE_CONFIG_MEMSTATUS, 0);
#endif
    if (S(open_v2)(path, &db, SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) return 1;
    run("PRAGMA journal_mode = WAL"); run("PRAGMA synchronous = NORMAL"); run("PRAGMA foreign_keys = ON");
    run("PRAGMA temp_store = MEMORY"); run("PRAGMA secure_delete = ON");
    run("CREATE TABLE users (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, username_key TEXT NOT NULL, status TEXT NOT NULL)");
    run("CREATE UNIQUE INDEX users_name ON users (tenant_id, username_key)");
    run("CREATE TABLE tokens (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), counter BIGINT NOT NULL, "
        "fail_count BIGINT NOT NULL, last_used BIGINT, secret TEXT NOT NULL)");
    run("CREATE INDEX tokens_user ON tokens (user_id)");
    run("CREATE TABLE audit_events (seq BIGINT PRIMARY KEY, time BIGINT NOT NULL, tenant TEXT, subject TEXT, event TEXT, "
        "prev_hash TEXT NOT NULL, hash TEXT NOT NULL)");
    run("BEGIN");
    sqlite3_stmt *u = prep("INSERT INTO users VALUES (?1, 't', ?1, 'active')");
    sqlite3_stmt *t = prep("INSERT INTO tokens VALUES (?1, ?1, 0, 0, NULL, 'sealed-secret-0123456789abcdef0123456789abcdef')");
    char id[64];
    for (int i = 0; i < 10000; i++) {
        snprintf(id, sizeof id, "user-%08d", i);
        S(bind_text)(u, 1, id, -1, SQLITE_TRANSIENT); step(u);
        S(bind_text)(t, 1, id, -1, SQLITE_TRANSIENT); step(t);
    }
    run("COMMIT");
    sqlite3_stmt *readUser = prep("SELECT * FROM users WHERE tenant_id = 't' AND username_key = ?1");
    sqlite3_stmt *readTokens = prep("SELECT * FROM tokens WHERE user_id = ?1 ORDER BY id");
    sqlite3_stmt *begin = prep("BEGIN IMMEDIATE"), *commit = prep("COMMIT");
    sqlite3_stmt *use = prep("UPDATE tokens SET counter = counter + 1, fail_count = 0, last_used = ?2 WHERE id = ?1");
    sqlite3_stmt *audit = prep("INSERT INTO audit_events VALUES (?1, ?2, 't', ?3, 'validate', 'prev-hash-0123456789abcdef', 'hash-0123456789abcdef')");
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof id, "user-%08d", (i * 7919) % 10000);
        S(bind_text)(readUser, 1, id, -1, SQLITE_TRANSIENT); step(readUser);
        S(bind_text)(readTokens, 1, id, -1, SQLITE_TRANSIENT); step(readTokens);
        step(begin);
        S(bind_text)(use, 1, id, -1, SQLITE_TRANSIENT); S(bind_int64)(use, 2, i); step(use);
        S(bind_int64)(audit, 1, i + 1); S(bind_int64)(audit, 2, i); S(bind_text)(audit, 3, id, -1, SQLITE_TRANSIENT); step(audit);
        step(commit);
        if (i % 1000 == 999) S(wal_checkpoint_v2)(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%s %s: %d validations in %.3f s, %.1f us each\n", argv[0], S(libversion)(), n, s, s * 1e6 / n);
    S(close_v2)(db);
    remove(path);
    return 0;
}
