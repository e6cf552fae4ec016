// The system's SQLite C API (Debian: libsqlite3-dev; SQLite 3.40 on Debian 12).
#include <sqlite3.h>
