/*
 * fuzz_cli.c - the command-line tool's argument and option parsing: the
 * input, split at NUL bytes, is an argument vector for `wass` (commands,
 * options with and without values, --opt=value, numbers of every form).
 * Run in an empty private folder with standard input empty (the paths
 * given to libFuzzer must be absolute; -close_fd_mask=3 discards output); arguments naming paths
 * outside it (with '/'), the demo (slow by design) and reading standard input are skipped. Exit
 * codes must be 0, 1 or 2.
 */
#include "fuzz_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>

/* the tool's own main, renamed */
#define main wass_cli_main
#include "main.c"
#undef main

#define MAXARGS 24

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    char dir[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/wass_fuzz_cli_%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
    mkdir(dir, 0700);
    if (chdir(dir) != 0) abort();
    /* two small signatures the options can be tried on */
    FILE *f = fopen("a.txt", "w");
    if (f) {
        fputs("0.4,0,0\n0.6,1,0\n", f);
        fclose(f);
    }
    f = fopen("b.txt", "w");
    if (f) {
        fputs("0.5,0,1\n0.5,1,1\n", f);
        fclose(f);
    }
    int null = open("/dev/null", O_RDONLY); /* output: run with -close_fd_mask=3 */
    if (null < 0) abort();
    dup2(null, 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 512) return 0;
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAXARGS + 2];
    int argc = 0;
    argv[argc++] = "wass";
    for (size_t p = 0; p <= size && argc < MAXARGS;) {
        char *s = buf + p;
        size_t l = strlen(s);
        if (memchr(s, '/', l) || strcmp(s, "-") == 0 || strcmp(s, "demo") == 0) goto skip;
        char *end;
        double num = strtod(s, &end);
        if (end != s && fabs(num) > 1e5) goto skip; /* valid but long work (1e9 projections) */
        argv[argc++] = s;
        p += l + 1;
    }
    argv[argc] = NULL;
    clearerr(stdout);
    int rc = wass_cli_main(argc, argv);
    if (rc < 0 || rc > 2) abort();
skip:
    free(buf);
    /* whatever a run wrote besides the two inputs goes */
    DIR *d = opendir(".");
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "a.txt") &&
            strcmp(e->d_name, "b.txt"))
            remove(e->d_name);
    if (d) closedir(d);
    return 0;
}
