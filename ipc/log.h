/*
 * log.h: logging for every wwd process. Each line names the process
 * role ("wwd", "worker[12]", "wwctl"). Lines go to stderr; under systemd
 * (JOURNAL_STREAM set) they carry <N> priority prefixes for journald,
 * or, once the daemon set a journal sender (log_set_journal), they go as
 * structured entries with WORKER_ID, PRINCIPAL and PID fields; a daemon
 * that detached from its terminal calls log_syslog(1).
 */
#ifndef IPC_LOG_H
#define IPC_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define LOG_LINE_MAX	1024	/* one formatted, escaped line */
#define LOG_FIELDS_MAX	7	/* journald fields of one line */
#define LOG_FIELD_MAX	(LOG_LINE_MAX + 16)

#include <stdint.h>
#include <sys/uio.h>

/*
 * What a line is about, for journald's fields: the worker's id (0 for
 * none), the principal's uid (-1 for none) and a process id (0: none).
 */
struct log_about {
	uint64_t	worker;
	int64_t		principal;
	int64_t		pid;
};

void	log_init(const char *, enum log_level);
void	log_set_level(enum log_level);
void	log_syslog(int);
int	log_get_level(void);
int	log_parse_level(const char *);
const char *log_level_name(enum log_level);
void	log_set_journal(int (*)(const struct iovec *, int));
int	log_journal_fields(enum log_level, const struct log_about *,
	    const char *, char [][LOG_FIELD_MAX], struct iovec *);
void	log_vabout(enum log_level, const struct log_about *, char *, size_t,
	    const char *, va_list) LOG_PRINTF(5, 0);

void	log_debug(const char *, ...) LOG_PRINTF(1, 2);
void	log_info(const char *, ...) LOG_PRINTF(1, 2);
void	log_warn(const char *, ...) LOG_PRINTF(1, 2);
void	log_warnx(const char *, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void log_fatal(const char *, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void log_fatalx(const char *, ...) LOG_PRINTF(1, 2);

#endif
