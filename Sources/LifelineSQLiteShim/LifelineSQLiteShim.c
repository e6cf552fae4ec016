#include "LifelineSQLiteShim.h"

// The SQLite that SQLiteNIO vendors (target VaporCSQLite) prefixes its symbols with sqlite_nio_; it is linked into
// every binary that links LifelineStore. Declared here rather than included: that target is not a product.
extern int sqlite_nio_sqlite3_db_config(void *db, int op, ...);

// From sqlite3.h.
#define LIFELINE_SQLITE_DBCONFIG_ENABLE_QPSG 1007

int lifeline_sqlite_enable_qpsg(void *db) {
    int enabled = 0;
    return sqlite_nio_sqlite3_db_config(db, LIFELINE_SQLITE_DBCONFIG_ENABLE_QPSG, 1, &enabled);
}
