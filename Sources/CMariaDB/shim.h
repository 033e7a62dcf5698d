#ifndef ROTATOR_CMARIADB_SHIM_H
#define ROTATOR_CMARIADB_SHIM_H
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

/*
 * mysql_options takes `const void *`, whose pointee type depends on the option;
 * these typed wrappers let the Swift side pass the right C type by value
 * instead of juggling untyped pointers.
 */
static inline int rotator_mysql_set_uint(MYSQL *mysql, enum mysql_option option, unsigned int value) {
    return mysql_optionsv(mysql, option, &value);
}

static inline int rotator_mysql_set_bool(MYSQL *mysql, enum mysql_option option, my_bool value) {
    return mysql_optionsv(mysql, option, &value);
}

static inline int rotator_mysql_set_string(MYSQL *mysql, enum mysql_option option, const char *value) {
    return mysql_optionsv(mysql, option, value);
}

/*
 * MARIADB_OPT_IO_WAIT takes the callback itself (not a pointer to it): every
 * wait of the socket layer for the socket to become readable or writable
 * then goes to it instead of Connector/C's own poll (see ConversationLimit).
 */
typedef int (*rotator_io_wait)(my_socket handle, my_bool is_read, int timeout);

static inline int rotator_mysql_set_io_wait(MYSQL *mysql, rotator_io_wait wait) {
    return mysql_optionsv(mysql, MARIADB_OPT_IO_WAIT, wait);
}

/*
 * The capability flags the server announced in its greeting; still readable
 * after a failed mysql_real_connect, which is how a TLS failure is told apart
 * from "this server offers no TLS at all" without parsing error text.
 */
static inline unsigned long rotator_mysql_server_capabilities(MYSQL *mysql) {
    unsigned long capabilities = 0;
    if (mariadb_get_infov(mysql, MARIADB_CONNECTION_SERVER_CAPABILITIES, &capabilities))
        return 0;
    return capabilities;
}

#endif
