#ifndef LIFELINE_SQLITE_SHIM_H
#define LIFELINE_SQLITE_SHIM_H

#include <stdint.h>

// The part of the system SQLite's C API (target SystemSQLite) that the store uses, under names of its own.
//
// Why not include <sqlite3.h> here: LifelineStore also loads sqlite-nio's module (through SQLiteKit), whose
// vendored SQLite header defines the same C structs differently (sqlite3_module, fts5_api…); one Swift module that
// sees both headers does not compile ("'sqlite3_module' has different definitions in different modules"). So only
// the C file sees <sqlite3.h>, and Swift sees these declarations with opaque handle types. Each function forwards
// to the sqlite3_ function of the same name (https://sqlite.org/c3ref/funclist.html).

typedef struct lifeline_sqlite3 lifeline_sqlite3;
typedef struct lifeline_sqlite3_stmt lifeline_sqlite3_stmt;

int lifeline_sqlite3_open_v2(const char *filename, lifeline_sqlite3 **db, int flags, const char *vfs);
int lifeline_sqlite3_close_v2(lifeline_sqlite3 *db);
const char *lifeline_sqlite3_errmsg(lifeline_sqlite3 *db);
int lifeline_sqlite3_busy_timeout(lifeline_sqlite3 *db, int ms);
int lifeline_sqlite3_get_autocommit(lifeline_sqlite3 *db);
int lifeline_sqlite3_wal_checkpoint_v2(lifeline_sqlite3 *db, const char *name, int mode, int *log, int *checkpointed);
int lifeline_sqlite3_prepare_v3(lifeline_sqlite3 *db, const char *sql, int bytes, unsigned int flags,
                                lifeline_sqlite3_stmt **stmt, const char **tail);
int lifeline_sqlite3_finalize(lifeline_sqlite3_stmt *stmt);
int lifeline_sqlite3_reset(lifeline_sqlite3_stmt *stmt);
int lifeline_sqlite3_clear_bindings(lifeline_sqlite3_stmt *stmt);
int lifeline_sqlite3_step(lifeline_sqlite3_stmt *stmt);
int lifeline_sqlite3_stmt_status(lifeline_sqlite3_stmt *stmt, int op, int reset);
int lifeline_sqlite3_bind_int64(lifeline_sqlite3_stmt *stmt, int i, int64_t value);
int lifeline_sqlite3_bind_double(lifeline_sqlite3_stmt *stmt, int i, double value);
int lifeline_sqlite3_bind_null(lifeline_sqlite3_stmt *stmt, int i);
/// UTF-8 text, copied by SQLite (SQLITE_TRANSIENT).
int lifeline_sqlite3_bind_text(lifeline_sqlite3_stmt *stmt, int i, const char *text, uint64_t bytes);
/// A blob, copied by SQLite (SQLITE_TRANSIENT).
int lifeline_sqlite3_bind_blob(lifeline_sqlite3_stmt *stmt, int i, const void *bytes, uint64_t count);
int lifeline_sqlite3_column_count(lifeline_sqlite3_stmt *stmt);
const char *lifeline_sqlite3_column_name(lifeline_sqlite3_stmt *stmt, int i);
int lifeline_sqlite3_column_type(lifeline_sqlite3_stmt *stmt, int i);
int64_t lifeline_sqlite3_column_int64(lifeline_sqlite3_stmt *stmt, int i);
double lifeline_sqlite3_column_double(lifeline_sqlite3_stmt *stmt, int i);
const unsigned char *lifeline_sqlite3_column_text(lifeline_sqlite3_stmt *stmt, int i);
const void *lifeline_sqlite3_column_blob(lifeline_sqlite3_stmt *stmt, int i);
int lifeline_sqlite3_column_bytes(lifeline_sqlite3_stmt *stmt, int i);

/// Turns SQLite's global memory statistics off (SQLITE_CONFIG_MEMSTATUS), as the SQLite that sqlite-nio vendors is
/// built (Debian's counts every allocation under a global mutex: about 10 % of SQLite's instructions for the store's
/// statements, benchmarks/sqlite-library). Call once, before the first connection opens. Returns an SQLite result
/// code (SQLITE_MISUSE if SQLite was already initialized: then nothing changed).
int lifeline_sqlite_configure(void);

/// Turns on SQLite's query planner stability guarantee (SQLITE_DBCONFIG_ENABLE_QPSG) for the connection `db`.
/// Returns an SQLite result code.
///
/// Why a C function: sqlite3_db_config is variadic, and Swift cannot call C variadic functions.
int lifeline_sqlite_enable_qpsg(lifeline_sqlite3 *db);

#endif
