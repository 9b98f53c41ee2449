/*
 * log.h: logging for every wwd process. Each line names the process
 * role ("wwd", "worker[12]", "wwctl"). Lines go to stderr; under systemd
 * (JOURNAL_STREAM set) they carry <N> priority prefixes for journald; a
 * daemon that detached from its terminal calls log_syslog(1).
 */
#ifndef IPC_LOG_H
#define IPC_LOG_H

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))

void	log_init(const char *, enum log_level);
void	log_set_level(enum log_level);
void	log_syslog(int);
int	log_get_level(void);
int	log_parse_level(const char *);
const char *log_level_name(enum log_level);

void	log_debug(const char *, ...) LOG_PRINTF(1, 2);
void	log_info(const char *, ...) LOG_PRINTF(1, 2);
void	log_warn(const char *, ...) LOG_PRINTF(1, 2);
void	log_warnx(const char *, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void log_fatal(const char *, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void log_fatalx(const char *, ...) LOG_PRINTF(1, 2);

#endif
