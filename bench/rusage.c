/* rusage.c — runs a command and appends to FILE one line "CPU_S PEAK_RSS_MIB WALL_S": CPU is
 * user + system time at microsecond resolution (GNU time prints hundredths, too coarse for the
 * small configs), the peak RSS is the child's ru_maxrss. A small C parent on purpose: Linux
 * carries the RSS of the process that forks into the child's ru_maxrss across exec, so a
 * Python or shell wrapper would raise every small figure.
 *   rusage FILE CMD [ARG...]   exit status: CMD's (127 when it cannot run) */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv) {
        return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
        if (argc < 3) {
                fprintf(stderr, "usage: rusage FILE CMD [ARG...]\n");
                return 2;
        }
        double t0 = now();
        pid_t pid = fork();
        if (pid < 0) {
                perror("rusage: fork");
                return 127;
        }
        if (pid == 0) {
                execvp(argv[2], argv + 2);
                fprintf(stderr, "rusage: %s: %s\n", argv[2], strerror(errno));
                _exit(127);
        }
        int status;
        struct rusage ru;
        while (wait4(pid, &status, 0, &ru) < 0)
                if (errno != EINTR) {
                        perror("rusage: wait4");
                        return 127;
                }
        double wall = now() - t0;
        FILE *f = fopen(argv[1], "a");
        if (!f) {
                perror(argv[1]);
                return 127;
        }
        fprintf(f, "%.6f %.1f %.6f\n", seconds(ru.ru_utime) + seconds(ru.ru_stime),
                (double)ru.ru_maxrss / 1024, wall);
        if (fclose(f) != 0) {
                perror(argv[1]);
                return 127;
        }
        if (WIFSIGNALED(status)) {
                fprintf(stderr, "rusage: %s: killed by signal %d\n", argv[2], WTERMSIG(status));
                return 128 + WTERMSIG(status);
        }
        return WEXITSTATUS(status);
}
