/* The credential_process helper, compiled: the same protocol, messages and exit codes as
 * credential_helper.py (which documents the contract), in about a millisecond instead of the
 * ~20 ms an interpreter needs to start. Terraform and every provider plugin run it once per
 * credential read, so this is most of what broker mode costs over env mode.
 *
 *   credential-helper --socket PATH PROFILE      (token in TGO_BROKER_TOKEN, never in argv)
 *
 * Exit 0 with the broker's JSON on stdout; 2 when the broker cannot be reached; 3 when it
 * refused; 64 for bad usage. One line on stderr on failure, naming no secret.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define EXIT_UNREACHABLE 2
#define EXIT_REFUSED 3
#define EXIT_USAGE 64
#define MAX_ANSWER (1 << 20)
#define MAX_WORD 4096

static const char SAFE[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

static int safe(const char *text) {
    return strlen(text) <= MAX_WORD && strspn(text, SAFE) == strlen(text);
}

static int fail(int code, const char *text) {
    fprintf(stderr, "tgo credential-helper: %s\n", text);
    return code;
}

static int unreachable(const char *path, int err) {
    fprintf(stderr,
            "tgo credential-helper: cannot reach the tgo credential broker at %s (%s): the tgo run that "
            "started this process has ended or this user may not use it\n",
            path, strerror(err));
    return EXIT_UNREACHABLE;
}

static int write_all(int fd, const char *data, size_t size) {
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        data += n;
        size -= (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4 || strcmp(argv[1], "--socket") != 0 || argv[3][0] == '\0' || !safe(argv[3]))
        return fail(EXIT_USAGE, "usage: credential_helper.py --socket PATH PROFILE (token in TGO_BROKER_TOKEN)");
    const char *path = argv[2], *profile = argv[3];
    const char *token = getenv("TGO_BROKER_TOKEN");
    if (token == NULL || !safe(token)) token = ""; /* the broker then says there is none */

    char request[2 * MAX_WORD + 64];
    int len = snprintf(request, sizeof request, "{\"v\": 1, \"profile\": \"%s\", \"token\": \"%s\"}\n", profile, token);

    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) return unreachable(path, ENAMETOOLONG);
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return unreachable(path, errno);
    struct timeval timeout = {120, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || write_all(fd, request, (size_t)len) != 0)
        return unreachable(path, errno);

    static char answer[MAX_ANSWER + 1];
    size_t size = 0;
    for (;;) {
        ssize_t n = read(fd, answer + size, MAX_ANSWER - size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return unreachable(path, errno);
        }
        if (n == 0 || (size += (size_t)n) == MAX_ANSWER) break;
    }
    close(fd);
    answer[size] = '\0';

    if (size >= 3 && memcmp(answer, "OK\n", 3) == 0) {
        if (write_all(1, answer + 3, size - 3) != 0) return fail(EXIT_UNREACHABLE, "cannot write the answer");
        return 0;
    }
    if (size >= 4 && memcmp(answer, "ERR ", 4) == 0) {
        char *reason = answer + 4, *end = answer + size;
        while (reason < end && (*reason == ' ' || *reason == '\t' || *reason == '\n' || *reason == '\r')) reason++;
        while (end > reason && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) end--;
        *end = '\0';
        fprintf(stderr, "tgo credential-helper: the tgo credential broker refused profile %s: %s\n", profile, reason);
        return EXIT_REFUSED;
    }
    fprintf(stderr, "tgo credential-helper: the tgo credential broker at %s closed the connection without an answer\n",
            path);
    return EXIT_UNREACHABLE;
}
