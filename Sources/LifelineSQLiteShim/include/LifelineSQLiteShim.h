#ifndef LIFELINE_SQLITE_SHIM_H
#define LIFELINE_SQLITE_SHIM_H

/// Turns on SQLite's query planner stability guarantee (SQLITE_DBCONFIG_ENABLE_QPSG) for the connection `db`
/// (a `sqlite3 *` of the SQLite that SQLiteNIO vendors). Returns an SQLite result code.
///
/// Why a C function: sqlite3_db_config is variadic, and Swift cannot call C variadic functions.
int lifeline_sqlite_enable_qpsg(void *db);

#endif
