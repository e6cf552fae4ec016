#include "LifelineSQLiteShim.h"
#include <sqlite3.h>

// The result codes and flags SQLiteHandle.swift spells as numbers (it cannot see <sqlite3.h>, see the header):
// checked here against the header, so that a mismatch stops the build.
_Static_assert(SQLITE_OK == 0 && SQLITE_ERROR == 1 && SQLITE_BUSY == 5 && SQLITE_LOCKED == 6 && SQLITE_MISUSE == 21, "codes");
_Static_assert(SQLITE_ROW == 100 && SQLITE_DONE == 101, "step codes");
_Static_assert(SQLITE_INTEGER == 1 && SQLITE_FLOAT == 2 && SQLITE_TEXT == 3 && SQLITE_BLOB == 4 && SQLITE_NULL == 5, "types");
_Static_assert(SQLITE_OPEN_READWRITE == 0x2 && SQLITE_OPEN_CREATE == 0x4 && SQLITE_OPEN_FULLMUTEX == 0x10000
               && SQLITE_OPEN_EXRESCODE == 0x02000000, "open flags");
_Static_assert(SQLITE_CHECKPOINT_PASSIVE == 0 && SQLITE_CHECKPOINT_RESTART == 2, "checkpoint modes");
_Static_assert(SQLITE_STMTSTATUS_REPREPARE == 5 && SQLITE_PREPARE_PERSISTENT == 0x01, "statement flags");

#define DB(db) ((sqlite3 *)(db))
#define STMT(s) ((sqlite3_stmt *)(s))

int lifeline_sqlite3_open_v2(const char *filename, lifeline_sqlite3 **db, int flags, const char *vfs) {
    return sqlite3_open_v2(filename, (sqlite3 **)db, flags, vfs);
}
int lifeline_sqlite3_close_v2(lifeline_sqlite3 *db) { return sqlite3_close_v2(DB(db)); }
const char *lifeline_sqlite3_errmsg(lifeline_sqlite3 *db) { return sqlite3_errmsg(DB(db)); }
int lifeline_sqlite3_busy_timeout(lifeline_sqlite3 *db, int ms) { return sqlite3_busy_timeout(DB(db), ms); }
int lifeline_sqlite3_get_autocommit(lifeline_sqlite3 *db) { return sqlite3_get_autocommit(DB(db)); }
int lifeline_sqlite3_wal_checkpoint_v2(lifeline_sqlite3 *db, const char *name, int mode, int *log, int *checkpointed) {
    return sqlite3_wal_checkpoint_v2(DB(db), name, mode, log, checkpointed);
}
int lifeline_sqlite3_prepare_v3(lifeline_sqlite3 *db, const char *sql, int bytes, unsigned int flags,
                                lifeline_sqlite3_stmt **stmt, const char **tail) {
    return sqlite3_prepare_v3(DB(db), sql, bytes, flags, (sqlite3_stmt **)stmt, tail);
}
int lifeline_sqlite3_finalize(lifeline_sqlite3_stmt *stmt) { return sqlite3_finalize(STMT(stmt)); }
int lifeline_sqlite3_reset(lifeline_sqlite3_stmt *stmt) { return sqlite3_reset(STMT(stmt)); }
int lifeline_sqlite3_clear_bindings(lifeline_sqlite3_stmt *stmt) { return sqlite3_clear_bindings(STMT(stmt)); }
int lifeline_sqlite3_step(lifeline_sqlite3_stmt *stmt) { return sqlite3_step(STMT(stmt)); }
int lifeline_sqlite3_stmt_status(lifeline_sqlite3_stmt *stmt, int op, int reset) { return sqlite3_stmt_status(STMT(stmt), op, reset); }
int lifeline_sqlite3_bind_int64(lifeline_sqlite3_stmt *stmt, int i, int64_t value) { return sqlite3_bind_int64(STMT(stmt), i, value); }
int lifeline_sqlite3_bind_double(lifeline_sqlite3_stmt *stmt, int i, double value) { return sqlite3_bind_double(STMT(stmt), i, value); }
int lifeline_sqlite3_bind_null(lifeline_sqlite3_stmt *stmt, int i) { return sqlite3_bind_null(STMT(stmt), i); }
int lifeline_sqlite3_bind_text(lifeline_sqlite3_stmt *stmt, int i, const char *text, uint64_t bytes) {
    return sqlite3_bind_text64(STMT(stmt), i, text, bytes, SQLITE_TRANSIENT, SQLITE_UTF8);
}
int lifeline_sqlite3_bind_blob(lifeline_sqlite3_stmt *stmt, int i, const void *bytes, uint64_t count) {
    return sqlite3_bind_blob64(STMT(stmt), i, bytes, count, SQLITE_TRANSIENT);
}
int lifeline_sqlite3_column_count(lifeline_sqlite3_stmt *stmt) { return sqlite3_column_count(STMT(stmt)); }
const char *lifeline_sqlite3_column_name(lifeline_sqlite3_stmt *stmt, int i) { return sqlite3_column_name(STMT(stmt), i); }
int lifeline_sqlite3_column_type(lifeline_sqlite3_stmt *stmt, int i) { return sqlite3_column_type(STMT(stmt), i); }
int64_t lifeline_sqlite3_column_int64(lifeline_sqlite3_stmt *stmt, int i) { return sqlite3_column_int64(STMT(stmt), i); }
double lifeline_sqlite3_column_double(lifeline_sqlite3_stmt *stmt, int i) { return sqlite3_column_double(STMT(stmt), i); }
const unsigned char *lifeline_sqlite3_column_text(lifeline_sqlite3_stmt *stmt, int i) { return sqlite3_column_text(STMT(stmt), i); }
const void *lifeline_sqlite3_column_blob(lifeline_sqlite3_stmt *stmt, int i) { return sqlite3_column_blob(STMT(stmt), i); }
int lifeline_sqlite3_column_bytes(lifeline_sqlite3_stmt *stmt, int i) { return sqlite3_column_bytes(STMT(stmt), i); }

int lifeline_sqlite_configure(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int lifeline_sqlite_enable_qpsg(lifeline_sqlite3 *db) {
    int enabled = 0;
    return sqlite3_db_config(DB(db), SQLITE_DBCONFIG_ENABLE_QPSG, 1, &enabled);
}
