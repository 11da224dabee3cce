/* child: fork + exec with the output captured through one pipe (child.h). */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void keep(ch_child_out *out, size_t *cap, const char *p, size_t n)
{
    if (out->len + n > CH_CHILD_MAX_OUTPUT)
        n = CH_CHILD_MAX_OUTPUT - out->len;
    if (n == 0)
        return;
    if (out->len + n + 1 > *cap) {
        size_t want = (*cap ? *cap * 2 : 65536);
        while (want < out->len + n + 1)
            want *= 2;
        char *t = realloc(out->text, want);
        if (!t)
            return; /* keep what fits: the report is cut, never the supervision */
        out->text = t;
        *cap = want;
    }
    memcpy(out->text + out->len, p, n);
    out->len += n;
    out->text[out->len] = '\0';
}

int ch_child_run(char *const argv[], char *const env[], unsigned timeout_s, ch_child_out *out)
{
    int fds[2], status = 0;
    size_t cap = 0;
    pid_t pid;
    long deadline;

    memset(out, 0, sizeof *out);
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        setpgid(0, 0);
        if (null >= 0)
            dup2(null, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        for (size_t i = 0; env && env[i]; i++)
            putenv(env[i]);
        execv(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid); /* also here: no race with the kill below */
    close(fds[1]);
    deadline = timeout_s ? now_ms() + (long)timeout_s * 1000L : 0;
    for (;;) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        long wait = deadline ? deadline - now_ms() : 1000;
        char buf[8192];
        ssize_t n;

        if (deadline && wait <= 0) {
            out->ex.timed_out = true;
            kill(-pid, SIGKILL);
            break;
        }
        if (poll(&p, 1, (int)(wait > 1000 ? 1000 : wait)) < 0 && errno != EINTR)
            break;
        if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        n = read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        keep(out, &cap, buf, (size_t)n);
    }
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    kill(-pid, SIGKILL); /* anything the child left running in its group */
    if (WIFSIGNALED(status)) {
        out->ex.signaled = true;
        out->ex.code = WTERMSIG(status);
    } else {
        out->ex.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    if (!out->text) {
        out->text = calloc(1, 1);
        if (!out->text) {
            errno = ENOMEM;
            return -1;
        }
    }
    return 0;
}

void ch_child_out_free(ch_child_out *out)
{
    free(out->text);
    memset(out, 0, sizeof *out);
}
