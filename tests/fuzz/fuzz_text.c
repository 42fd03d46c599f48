/*
 * fuzz_text.c - the tokenizer and bags of words on any text (both token
 * rules, minimum lengths, stop words), a stop-word file on the same bytes,
 * and WMD with its bounds on the bags that result: the bounds never above
 * the distance.
 */
#include "fuzz_util.h"
#include "wass/wmd.h"

#include <math.h>

static wass_wordvec wv;
static int ready;

static void setup(void) {
    const char *words[] = {"the", "cat", "sat", "on", "mat", "a", "dog", "\xc3\xa9t\xc3\xa9", "x1"};
    float vec[9 * 3];
    for (int k = 0; k < 27; k++)
        vec[k] = (float)((k * 37) % 11) - 5.0f;
    wass_error_info err;
    if (wass_wordvec_from_arrays(words, vec, 9, 3, &wv, &err) != WASS_OK) abort();
    ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!ready) setup();
    if (size < 2) return 0;
    wass_text_options to;
    wass_text_options_default(&to);
    to.keep_non_ascii = data[0] & 1;
    to.min_len = (size_t)(data[0] >> 1) % 4;
    wass_error_info err;
    wass_stopwords sw;
    const char *path = fuzz_file(".stop");
    int have_sw = 0;
    if ((data[0] & 0x80) && fuzz_write(path, data + 1, size - 1))
        have_sw = wass_stopwords_load(path, &sw, &err) == WASS_OK;
    if (have_sw) to.stop = &sw;
    size_t half = (size - 1) / 2;
    const char *t1 = (const char *)data + 1, *t2 = t1 + half;
    wass_bag a, b;
    int ra = wass_bag_from_text(&wv, t1, half, &to, &a, &err);
    int rb = wass_bag_from_text(&wv, t2, size - 1 - half, &to, &b, &err);
    if (ra == WASS_OK && rb == WASS_OK && a.len && b.len) {
        wass_wmd_result r;
        if (wass_wmd(&wv, &a, &b, NULL, &r, &err) == WASS_OK && r.status == WASS_OPTIMAL) {
            if (!(r.wcd <= r.distance && r.rwmd <= r.distance)) abort();
        }
    }
    if (ra == WASS_OK) wass_bag_free(&a);
    if (rb == WASS_OK) wass_bag_free(&b);
    if (have_sw) wass_stopwords_free(&sw);
    remove(path);
    return 0;
}
