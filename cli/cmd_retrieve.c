/*
 * cmd_retrieve.c - `wass retrieve`: the k nearest images of a database (a
 * folder of PNG / PGM / PPM files, or an IDX file) to a query image under
 * the Earth Mover's Distance: exact with lower-bound pruning, the grid
 * embedding, or the embedding with exact re-ranking.
 */
#include "cli.h"
#include "wass/image.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const retrieve_usage =
    "usage: wass retrieve --db DB --query Q [-k K] [--mode M] [options]\n"
    "\n"
    "The k nearest images of DB to the query Q under W1 (Earth Mover's Distance).\n"
    "A grey image's mass is its pixel values normalized to total 1, at pixel\n"
    "coordinates (column, row).\n"
    "\n"
    "  --db DB            a folder of .png/.pgm/.ppm/.pnm images (names sorted), or\n"
    "                     an IDX image file (.gz or plain; names are the indices)\n"
    "  --query Q          an image file, or an IDX file (with --query-index)\n"
    "  --query-index I    which image of an IDX query file (default 0)\n"
    "  -k K               neighbours (default 10)\n"
    "  --mode M           exact (default): exact EMD, centroid and projection bounds\n"
    "                     skip the solves that cannot enter the k nearest;\n"
    "                     embed: grid embedding into L1 (Grauman & Darrell);\n"
    "                     rerank: the embedding's top R re-ranked by exact EMD;\n"
    "                     brute: exact EMD to every image\n"
    "  --rerank R         R for --mode rerank (default 10 k)\n"
    "  --metric M         ground metric: euclidean (default), cityblock or\n"
    "                     chebyshev; grey signatures are solved on the pixel\n"
    "                     grid (wass_grid_emd; euclidean up to 4096 pixels)\n"
    "  --signature S      grey (default), colour (Rubner: k-means in CIE Lab) or\n"
    "                     contour (Grauman & Darrell: points along the contours)\n"
    "  --pool P           grey: pool P x P pixel blocks (default 1)\n"
    "  --clusters K       colour: clusters (default 8); --seed S (default 0)\n"
    "  --points N         contour: points (default 100); --threshold T (default\n"
    "                     0.5, on grey values in [0, 1])\n"
    "  --max-db N         use only the first N database images\n"
    "  --threads N        threads (default: all cores)\n"
    "  --json             one JSON object; its results are {name, distance},\n"
    "                     nearest first\n"
    "\n"
    "Exit status 0 on success, 2 on bad input, 1 on an internal failure.\n";

typedef struct {
    int kind; /* 0 grey, 1 colour, 2 contour */
    long pool, clusters, points, seed;
    double threshold;
} sig_args;

static int sig_from_grey(const char *cmd, const char *name, const double *grey, size_t h, size_t w,
                         const wass_image *img, const sig_args *sa, wass_signature *out) {
    wass_error_info e;
    int rc;
    if (sa->kind == 0)
        rc = wass_grey_signature(grey, h, w, (size_t)sa->pool, out, &e);
    else if (sa->kind == 2)
        rc = wass_contour_signature(grey, h, w, sa->threshold, (size_t)sa->points, out, &e);
    else {
        wass_image tmp = {w, h, 1, (double *)grey};
        rc = wass_colour_signature(img ? img : &tmp, (size_t)sa->clusters, (uint64_t)sa->seed, 0,
                                   out, &e);
    }
    if (rc) {
        cli_error(cmd, "%s: %s", name, e.message);
        return cli_exit_code(rc);
    }
    return CLI_OK;
}

static int sig_from_file(const char *cmd, const char *path, const sig_args *sa,
                         wass_signature *out) {
    wass_image img;
    wass_error_info e;
    int rc = wass_image_read(path, &img, &e);
    if (rc) return cli_lib_error(cmd, &e);
    double *grey = malloc(img.width * img.height * sizeof *grey);
    if (!grey) {
        wass_image_free(&img);
        cli_error(cmd, "out of memory");
        return CLI_FAILURE;
    }
    wass_image_grey(&img, grey, NULL);
    rc = sig_from_grey(cmd, path, grey, img.height, img.width, &img, sa, out);
    free(grey);
    wass_image_free(&img);
    return rc;
}

static int sig_from_idx(const char *cmd, const char *path, const wass_idx_images *set, size_t i,
                        const sig_args *sa, wass_signature *out) {
    size_t per = set->rows * set->cols;
    double *grey = malloc(per * sizeof *grey);
    if (!grey) {
        cli_error(cmd, "out of memory");
        return CLI_FAILURE;
    }
    for (size_t t = 0; t < per; t++)
        grey[t] = set->pixels[i * per + t] / 255.0;
    char name[64];
    snprintf(name, sizeof name, "%s: image %zu", path, i);
    int rc = sig_from_grey(cmd, name, grey, set->rows, set->cols, NULL, sa, out);
    free(grey);
    return rc;
}

static int is_image_name(const char *s) {
    const char *dot = strrchr(s, '.');
    if (!dot) return 0;
    return strcmp(dot, ".png") == 0 || strcmp(dot, ".PNG") == 0 || strcmp(dot, ".pgm") == 0 ||
           strcmp(dot, ".ppm") == 0 || strcmp(dot, ".pnm") == 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct {
    size_t count;
    wass_signature *sig;
    char **names; /* NULL for an IDX database */
} database;

static void db_free(database *d) {
    for (size_t i = 0; i < d->count; i++) {
        wass_signature_free(&d->sig[i]);
        if (d->names) free(d->names[i]);
    }
    free(d->sig);
    free(d->names);
}

static int load_db(const char *cmd, const char *path, long max_db, const sig_args *sa,
                   database *d) {
    memset(d, 0, sizeof *d);
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_error(cmd, "%s: cannot open: %s", path, strerror(errno));
        return CLI_BAD_INPUT;
    }
    int rc = CLI_OK;
    if (S_ISDIR(st.st_mode)) {
        DIR *dir = opendir(path);
        if (!dir) {
            cli_error(cmd, "%s: cannot open: %s", path, strerror(errno));
            return CLI_BAD_INPUT;
        }
        size_t cap = 0;
        struct dirent *ent;
        while ((ent = readdir(dir))) {
            if (!is_image_name(ent->d_name)) continue;
            if (d->count == cap) {
                cap = cap ? 2 * cap : 64;
                char **nn = realloc(d->names, cap * sizeof *nn);
                if (!nn) {
                    closedir(dir);
                    cli_error(cmd, "out of memory");
                    return CLI_FAILURE;
                }
                d->names = nn;
            }
            d->names[d->count] = strdup(ent->d_name);
            if (!d->names[d->count]) {
                closedir(dir);
                cli_error(cmd, "out of memory");
                return CLI_FAILURE;
            }
            d->count++;
        }
        closedir(dir);
        if (d->count == 0) {
            free(d->names);
            d->names = NULL;
            cli_error(cmd, "%s: no .png, .pgm, .ppm or .pnm images in the folder", path);
            return CLI_BAD_INPUT;
        }
        qsort(d->names, d->count, sizeof *d->names, cmp_str);
        if (max_db > 0 && (size_t)max_db < d->count) {
            for (size_t i = (size_t)max_db; i < d->count; i++)
                free(d->names[i]);
            d->count = (size_t)max_db;
        }
        d->sig = calloc(d->count, sizeof *d->sig);
        if (!d->sig) {
            cli_error(cmd, "out of memory");
            return CLI_FAILURE;
        }
        for (size_t i = 0; i < d->count && rc == CLI_OK; i++) {
            size_t len = strlen(path) + strlen(d->names[i]) + 2;
            char *full = malloc(len);
            if (!full) {
                cli_error(cmd, "out of memory");
                return CLI_FAILURE;
            }
            snprintf(full, len, "%s/%s", path, d->names[i]);
            rc = sig_from_file(cmd, full, sa, &d->sig[i]);
            free(full);
        }
        return rc;
    }
    wass_idx_images set;
    wass_error_info e;
    if (wass_idx_read_images(path, max_db > 0 ? (size_t)max_db : 0, &set, &e))
        return cli_lib_error(cmd, &e);
    d->count = set.count;
    d->sig = calloc(set.count ? set.count : 1, sizeof *d->sig);
    if (!d->sig) {
        wass_idx_images_free(&set);
        cli_error(cmd, "out of memory");
        return CLI_FAILURE;
    }
    for (size_t i = 0; i < set.count && rc == CLI_OK; i++)
        rc = sig_from_idx(cmd, path, &set, i, sa, &d->sig[i]);
    wass_idx_images_free(&set);
    return rc;
}

static int load_query(const char *cmd, const char *path, long index, const sig_args *sa,
                      wass_signature *out) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error(cmd, "%s: cannot open: %s", path, strerror(errno));
        return CLI_BAD_INPUT;
    }
    unsigned char m[4] = {0};
    size_t got = fread(m, 1, 4, f);
    fclose(f);
    int idx = got == 4 && ((m[0] == 0 && m[1] == 0 && m[2] == 8) || (m[0] == 0x1f && m[1] == 0x8b));
    if (!idx) return sig_from_file(cmd, path, sa, out);
    wass_idx_images set;
    wass_error_info e;
    if (wass_idx_read_images(path, (size_t)index + 1, &set, &e)) return cli_lib_error(cmd, &e);
    int rc;
    if ((size_t)index >= set.count) {
        cli_error(cmd, "%s: --query-index %ld, but the file has %zu images", path, index,
                  set.count);
        rc = CLI_BAD_INPUT;
    } else {
        rc = sig_from_idx(cmd, path, &set, (size_t)index, sa, out);
    }
    wass_idx_images_free(&set);
    return rc;
}

static int parse_mode(const char *cmd, const char *name, const char *v, void *target) {
    wass_retrieve_mode m;
    if (wass_retrieve_mode_parse(v, &m)) {
        cli_error(cmd, "%s: unknown mode '%s' (exact, embed, rerank or brute)", name, v);
        return 0;
    }
    *(wass_retrieve_mode *)target = m;
    return 1;
}

static int parse_metric(const char *cmd, const char *name, const char *v, void *target) {
    wass_metric m;
    if (wass_metric_parse(v, &m) ||
        (m != WASS_EUCLIDEAN && m != WASS_CITYBLOCK && m != WASS_CHEBYSHEV)) {
        cli_error(cmd, "%s: '%s' is not euclidean, cityblock or chebyshev", name, v);
        return 0;
    }
    *(wass_metric *)target = m;
    return 1;
}

static int parse_signature(const char *cmd, const char *name, const char *v, void *target) {
    int *kind = target;
    if (strcmp(v, "grey") == 0 || strcmp(v, "gray") == 0)
        *kind = 0;
    else if (strcmp(v, "colour") == 0 || strcmp(v, "color") == 0)
        *kind = 1;
    else if (strcmp(v, "contour") == 0)
        *kind = 2;
    else {
        cli_error(cmd, "%s: unknown kind '%s' (grey, colour or contour)", name, v);
        return 0;
    }
    return 1;
}

int cmd_retrieve(int argc, char **argv) {
    const char *cmd = "retrieve";
    const char *db_path = NULL, *q_path = NULL;
    long k = 10, rerank = 0, threads = 0, max_db = 0, qindex = 0;
    int json = 0;
    sig_args sa = {0, 1, 8, 100, 0, 0.5};
    wass_retrieve_options ro;
    wass_retrieve_options_default(&ro);
    wass_retrieve_mode mode = WASS_RETRIEVE_EXACT;
    wass_metric metric = WASS_EUCLIDEAN;
    const cli_option options[] = {CLI_OPT_STR("--db", &db_path),
                                  CLI_OPT_STR("--query", &q_path),
                                  CLI_OPT_LONG("--query-index", &qindex, 0, 2147483647L),
                                  CLI_OPT_LONG("-k", &k, 1, 1000000),
                                  CLI_OPT_FN("--mode", parse_mode, &mode),
                                  CLI_OPT_LONG("--rerank", &rerank, 1, 100000000L),
                                  CLI_OPT_FN("--metric", parse_metric, &metric),
                                  CLI_OPT_FN("--signature", parse_signature, &sa.kind),
                                  CLI_OPT_LONG("--pool", &sa.pool, 1, 65536),
                                  CLI_OPT_LONG("--clusters", &sa.clusters, 1, 4096),
                                  CLI_OPT_LONG("--points", &sa.points, 1, 1000000),
                                  CLI_OPT_DOUBLE("--threshold", &sa.threshold, NULL),
                                  CLI_OPT_LONG("--seed", &sa.seed, 0, 2147483647L),
                                  CLI_OPT_LONG("--max-db", &max_db, 1, 100000000L),
                                  CLI_OPT_LONG("--threads", &threads, 0, 4096),
                                  CLI_OPT_FLAG("--json", &json),
                                  CLI_OPT_END};
    const cli_command_line cl = {.cmd = cmd,
                                 .usage = retrieve_usage,
                                 .options = options,
                                 .max_pos = 0,
                                 .extra = "unknown argument '%s' (see 'wass retrieve --help')",
                                 .unknown = "argument"};
    int npos, prc = cli_parse_args(&cl, argc, argv, &npos);
    if (prc) return prc == CLI_HELP ? CLI_OK : prc;
    ro.mode = mode;
    ro.metric = metric;
    if (!db_path || !q_path) {
        cli_error(cmd, "--db and --query are required (see 'wass retrieve --help')");
        return CLI_BAD_INPUT;
    }
    ro.k = (size_t)k;
    ro.rerank = (size_t)rerank;
    ro.threads = (int)threads;
    ro.seed = (uint64_t)sa.seed;
    database d;
    int rc = load_db(cmd, db_path, max_db, &sa, &d);
    wass_signature q;
    memset(&q, 0, sizeof q);
    if (rc == CLI_OK) rc = load_query(cmd, q_path, qindex, &sa, &q);
    if (rc != CLI_OK) {
        db_free(&d);
        wass_signature_free(&q);
        return rc;
    }
    wass_cloud *clouds = malloc(d.count * sizeof *clouds);
    if (!clouds) {
        db_free(&d);
        wass_signature_free(&q);
        cli_error(cmd, "out of memory");
        return CLI_FAILURE;
    }
    for (size_t i = 0; i < d.count; i++)
        clouds[i] = wass_signature_cloud(&d.sig[i]);
    wass_cloud qc = wass_signature_cloud(&q);
    cli_progress_state prog = {cmd, 0, -1};
    cli_progress_attach(&prog, &ro.progress, &ro.progress_user);
    wass_retrieve_result res;
    wass_error_info e;
    int lrc = wass_retrieve(clouds, d.count, &qc, 1, &ro, &res, &e);
    cli_progress_done(&prog);
    if (lrc) {
        rc = cli_lib_error(cmd, &e);
    } else if (json) {
        printf("{\"query\": ");
        cli_json_write_string(stdout, q_path);
        printf(", \"database\": ");
        cli_json_write_string(stdout, db_path);
        printf(", \"count\": %zu, \"mode\": \"%s\", \"metric\": \"%s\", \"k\": %zu, "
               "\"exact_solves\": %zu, \"grid_solver\": %s, \"seconds\": %.6g, \"results\": [",
               res.count, wass_retrieve_mode_name(ro.mode), wass_metric_name(ro.metric), res.k,
               res.exact_solves[0], res.grid ? "true" : "false", res.seconds);
        for (size_t t = 0; t < res.k; t++) {
            size_t b = res.index[t];
            printf("%s{\"name\": ", t ? ", " : "");
            if (d.names)
                cli_json_write_string(stdout, d.names[b]);
            else
                printf("%zu", b);
            printf(", \"distance\": %.17g}", res.distance[t]);
        }
        printf("]}\n");
    } else {
        for (size_t t = 0; t < res.k; t++) {
            size_t b = res.index[t];
            if (d.names)
                printf("%s\t%.17g\n", d.names[b], res.distance[t]);
            else
                printf("%zu\t%.17g\n", b, res.distance[t]);
        }
        fprintf(stderr, "wass retrieve: %zu of %zu exact solves made\n", res.exact_solves[0],
                res.count);
    }
    wass_retrieve_result_free(&res);
    free(clouds);
    db_free(&d);
    wass_signature_free(&q);
    return rc;
}
